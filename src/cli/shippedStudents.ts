/**
 * Shipped warm-up students in Node: read from the repository's public/students/ folder (the same
 * files the app serves), and `--init NAME` resolved to one of them when NAME is not a folder.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isShippedStudentName, SHIPPED_STUDENT_NAMES } from '../engine/students/catalog';
import { loadShippedStudent, type ReadStudentFile } from '../engine/students/load';
import { loadCheckpoint, type LoadedCheckpoint } from '../engine/store/checkpoint';
import { readCheckpointDir } from './checkpointDir';

/** public/students/ of this checkout. */
export const STUDENTS_ROOT = fileURLToPath(new URL('../../public/students/', import.meta.url));

export const readShippedFile: ReadStudentFile = async (path) =>
  new Uint8Array(await readFile(join(STUDENTS_ROOT, path)));

/**
 * `--init X`: the checkpoint folder X, or else the shipped student named X (checked against the
 * manifest); anything else is refused with both readings named.
 */
export async function loadInit(arg: string): Promise<LoadedCheckpoint & { source: string }> {
  const isDir = await stat(arg).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isDir) return { ...loadCheckpoint(await readCheckpointDir(arg)), source: arg };
  if (isShippedStudentName(arg)) {
    const s = await loadShippedStudent(arg, readShippedFile);
    return { ...s, source: `shipped student "${arg}"` };
  }
  throw new Error(
    `--init ${arg}: no such checkpoint folder, and no shipped student of that name (shipped: ${SHIPPED_STUDENT_NAMES.join(', ')}).`,
  );
}
