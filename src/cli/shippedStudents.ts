/**
 * Shipped warm-up students in Node: read from the repository's public/students/ folder (the same
 * files the app serves); `train --init NAME` takes one of them when NAME is not a folder.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadStudentFile } from '../engine/students/load';

/** public/students/ of this checkout. */
export const STUDENTS_ROOT = fileURLToPath(new URL('../../public/students/', import.meta.url));

export const readShippedFile: ReadStudentFile = async (path) =>
  new Uint8Array(await readFile(join(STUDENTS_ROOT, path)));

/** Whether a path is a folder (false when missing). */
export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
