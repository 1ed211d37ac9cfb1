/**
 * Shipped warm-up students: the project's own warm-up checkpoints, served from the app's origin
 * (`public/students/<name>/`), so a CPU tab starts RL at once instead of after minutes of SFT.
 * Each is made by `npm run students` (scripts/make-students.ts) with the project's CLI from a
 * recorded preset, seed and command; `public/students/manifest.json` lists every file's SHA-256
 * and size and the student's measured held-out greedy accuracy. Pure data and checks: no tfjs.
 */

import {
  isShippedStudentName,
  SHIPPED_STUDENT_NAMES,
  type ShippedStudentName,
} from '../../contract/students';

/** The files of a shipped student, in the order they are checked. */
export const SHIPPED_STUDENT_FILES = [
  'config.json',
  'tokenizer.json',
  'model.safetensors',
] as const;
export type ShippedStudentFile = (typeof SHIPPED_STUDENT_FILES)[number];

/** Where the students live, relative to the app's base URL or the repository root. */
export const STUDENTS_DIR = 'students';
export const STUDENTS_MANIFEST = 'manifest.json';

/** Held-out questions a student's manifest accuracy is measured on (its preset's first N). */
export const SHIPPED_HELD_OUT_QUESTIONS = 256;

export interface ShippedFileEntry {
  sha256: string;
  bytes: number;
}

/** One student of the manifest: how it was made and what it scores. */
export interface ShippedStudentEntry {
  /** The preset whose warm-up (`sft.*`) made it, and whose model/tokenizer it matches. */
  preset: string;
  description: string;
  /** The command that regenerates it (run from the repository root). */
  command: string;
  seed: number;
  sftSteps: number;
  /** Seconds the warm-up took on the machine that made it (2-core CPU, WASM). */
  sftSeconds: number;
  /** Weights dtype in model.safetensors. */
  dtype: 'F16' | 'F32';
  parameters: number;
  /** Greedy accuracy of the shipped weights on the preset's first `total` held-out questions. */
  heldOut: { correct: number; total: number; accuracy: number };
  files: Record<ShippedStudentFile, ShippedFileEntry>;
}

export interface ShippedManifest {
  version: 1;
  students: Partial<Record<ShippedStudentName, ShippedStudentEntry>>;
}

/** Path of a student's file relative to the students folder, e.g. "tiny/config.json". */
export function shippedFilePath(name: ShippedStudentName, file: ShippedStudentFile): string {
  return `${name}/${file}`;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Checks untrusted manifest JSON; every problem names the field and the fix. */
export function parseShippedManifest(text: string): ShippedManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `students/${STUDENTS_MANIFEST} is not valid JSON (${(e as Error).message}); restore it from git or run "npm run students".`,
    );
  }
  const fail = (what: string): never => {
    throw new Error(
      `students/${STUDENTS_MANIFEST}: ${what}; restore it from git or run "npm run students".`,
    );
  };
  if (!raw || typeof raw !== 'object' || (raw as { version?: unknown }).version !== 1)
    fail('expected {"version": 1, "students": {...}}');
  const students = (raw as { students?: unknown }).students;
  if (!students || typeof students !== 'object') fail('has no "students" object');
  for (const [name, e] of Object.entries(students as Record<string, unknown>)) {
    if (!isShippedStudentName(name))
      fail(`lists "${name}", not one of ${SHIPPED_STUDENT_NAMES.join(', ')}`);
    const entry = e as Partial<ShippedStudentEntry>;
    if (!entry || typeof entry.preset !== 'string') fail(`"${name}" has no preset`);
    for (const f of SHIPPED_STUDENT_FILES) {
      const fe = entry.files?.[f];
      if (!fe || !HEX64.test(String(fe.sha256)) || !Number.isInteger(fe.bytes))
        fail(`"${name}" has no sha256/bytes for ${f}`);
    }
    const h = entry.heldOut;
    if (!h || !Number.isInteger(h.correct) || !Number.isInteger(h.total) || h.total <= 0)
      fail(`"${name}" has no heldOut {correct, total, accuracy}`);
  }
  return raw as ShippedManifest;
}

/** A manifest entry by name, or an error that lists the students the app has. */
export function shippedEntry(m: ShippedManifest, name: string): ShippedStudentEntry {
  const e = isShippedStudentName(name) ? m.students[name] : undefined;
  if (!e) {
    const have = Object.keys(m.students);
    throw new Error(
      `No shipped student "${name}"; the app ships ${have.length ? have.join(', ') : 'none'}. Set student.init="" to warm up from scratch.`,
    );
  }
  return e;
}
