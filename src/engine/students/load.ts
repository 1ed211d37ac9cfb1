/**
 * Loading a shipped warm-up student: every file is checked against the manifest's size and
 * SHA-256 before it is parsed, and the run's model and tokenizer settings must be the student's.
 */
import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import type { RunConfig } from '../../contract/config';
import { loadCheckpoint, type LoadedCheckpoint } from '../store/checkpoint';
import { sha256Hex } from '../store/sha256';
import {
  parseShippedManifest,
  SHIPPED_STUDENT_FILES,
  shippedEntry,
  shippedFilePath,
  STUDENTS_MANIFEST,
  type ShippedManifest,
  type ShippedStudentEntry,
} from './catalog';
import { type ShippedStudentName } from '../../contract/students';

/** Reads a file of the students folder by relative path ("manifest.json", "tiny/config.json"). */
export type ReadStudentFile = (path: string) => Promise<Uint8Array>;

export interface ShippedStudent extends LoadedCheckpoint {
  name: ShippedStudentName;
  entry: ShippedStudentEntry;
}

export async function readShippedManifest(read: ReadStudentFile): Promise<ShippedManifest> {
  let bytes: Uint8Array;
  try {
    bytes = await read(STUDENTS_MANIFEST);
  } catch (e) {
    throw new Error(
      `The shipped students' manifest (students/${STUDENTS_MANIFEST}) could not be read: ${(e as Error).message}. Set student.init="" to warm up from scratch.`,
    );
  }
  return parseShippedManifest(new TextDecoder().decode(bytes));
}

/** Loads and verifies one shipped student; a changed or missing file is named with the fix. */
export async function loadShippedStudent(
  name: string,
  read: ReadStudentFile,
): Promise<ShippedStudent> {
  const manifest = await readShippedManifest(read);
  const entry = shippedEntry(manifest, name);
  const student = name as ShippedStudentName;
  const files = new Map<string, Uint8Array>();
  for (const file of SHIPPED_STUDENT_FILES) {
    const path = shippedFilePath(student, file);
    let bytes: Uint8Array;
    try {
      bytes = await read(path);
    } catch (e) {
      throw new Error(
        `students/${path} could not be read (${(e as Error).message}); restore it from git or run "npm run students".`,
      );
    }
    const want = entry.files[file];
    const got = await sha256Hex(bytes);
    if (bytes.byteLength !== want.bytes || got !== want.sha256)
      throw new Error(
        `students/${path} is not the shipped file: ${bytes.byteLength} bytes with SHA-256 ${got.slice(0, 12)}…, the manifest says ${want.bytes} bytes with ${want.sha256.slice(0, 12)}…; restore it from git or run "npm run students".`,
      );
    files.set(file, bytes);
  }
  const text = (f: string) => new TextDecoder().decode(files.get(f));
  const loaded = loadCheckpoint({
    'model.safetensors': files.get('model.safetensors')!,
    'config.json': text('config.json'),
    'tokenizer.json': text('tokenizer.json'),
  });
  return { ...loaded, name: student, entry };
}

/**
 * Where a run's model or tokenizer settings differ from a shipped student's, one line each
 * ("model.dModel: 16 here, 64 in the student"); empty when the student fits the run.
 */
export function shippedStudentMismatches(
  config: RunConfig,
  student: Pick<LoadedCheckpoint, 'meta'>,
): string[] {
  const out: string[] = [];
  const m = student.meta.model;
  const t = student.meta.run.tokenizer;
  const pairs: Array<[string, unknown, unknown]> = [
    ['model.dModel', config.model.dModel, m.dModel],
    ['model.layers', config.model.layers, m.layers],
    ['model.heads', config.model.heads, m.heads],
    ['model.context', config.model.context, m.context],
    ['model.mlpRatio', config.model.mlpRatio, m.mlpRatio],
    [
      'model.positions',
      config.model.positions ?? OPTIONAL_DEFAULTS.model.positions,
      m.positions ?? OPTIONAL_DEFAULTS.model.positions,
    ],
    ['tokenizer.kind', config.tokenizer.kind, t.kind],
    ['tokenizer.vocabSize', config.tokenizer.vocabSize, t.vocabSize],
    [
      'tokenizer.splitDigits',
      config.tokenizer.splitDigits ?? OPTIONAL_DEFAULTS.tokenizer.splitDigits,
      t.splitDigits ?? OPTIONAL_DEFAULTS.tokenizer.splitDigits,
    ],
  ];
  for (const [key, here, there] of pairs)
    if (here !== there) out.push(`${key}: ${String(here)} here, ${String(there)} in the student`);
  return out;
}

/** Throws when the run's settings do not fit the student, naming each field and the fix. */
export function assertShippedStudentFits(config: RunConfig, student: ShippedStudent): void {
  const diffs = shippedStudentMismatches(config, student);
  if (diffs.length === 0) return;
  throw new Error(
    `The shipped student "${student.name}" does not fit this run's settings (${diffs.join('; ')}). ` +
      `Set student.init="" to warm up a student of your own shape from scratch, or undo those changes.`,
  );
}

/** The shipped student a run starts from: `student.init` of a scratch run, else none. */
export function shippedInitOf(config: RunConfig): ShippedStudentName | null {
  const name =
    config.student.source === 'scratch'
      ? (config.student.init ?? OPTIONAL_DEFAULTS.student.init)
      : '';
  return name === '' ? null : name;
}

/**
 * Loads the run's shipped student (null when the run warms up from scratch) and checks that it
 * fits the run's model and tokenizer settings.
 */
export async function loadRunStudent(
  config: RunConfig,
  read: ReadStudentFile | undefined,
): Promise<ShippedStudent | null> {
  const name = shippedInitOf(config);
  if (!name) return null;
  if (!read)
    throw new Error(
      `student.init is "${name}" but this host cannot read shipped students; set student.init="" to warm up from scratch.`,
    );
  const student = await loadShippedStudent(name, read);
  try {
    assertShippedStudentFits(config, student);
  } catch (e) {
    student.model.dispose();
    throw e;
  }
  return student;
}
