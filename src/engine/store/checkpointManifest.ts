/**
 * `manifest.json`, the list of a checkpoint folder's files with their SHA-256 and size, written
 * last (docs/runs.md):
 *
 *   {
 *     "format": "thinktuning-lab/checkpoint",
 *     "version": 1,
 *     "step": 4,
 *     "files": {
 *       "model.safetensors": { "sha256": "<64 hex digits>", "bytes": 542088 },
 *       "config.json": { "sha256": "…", "bytes": 1234 },
 *       …
 *     }
 *   }
 *
 * A reader checks every listed file before using any of them; a file that is missing, has
 * another size or another hash is named. Files not listed are not checked. `format` and
 * `version` may be left out by other writers; `step` and `files` are required.
 */
import { sha256Hex } from './sha256';

export const CHECKPOINT_MANIFEST_FILE = 'manifest.json';
export const CHECKPOINT_MANIFEST_FORMAT = 'thinktuning-lab/checkpoint';
export const CHECKPOINT_MANIFEST_VERSION = 1;

export interface ManifestEntry {
  sha256: string;
  bytes: number;
}

export interface CheckpointManifest {
  format?: string;
  version?: number;
  /** The step the checkpoint was written at (0 for a warm-up or shipped student). */
  step: number;
  files: Record<string, ManifestEntry>;
}

const enc = new TextEncoder();

/** A file's bytes (text is UTF-8 encoded, as it is written). */
export function fileBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? enc.encode(data) : data;
}

/** The manifest of a checkpoint's files at `step`. */
export async function buildCheckpointManifest(
  step: number,
  files: Record<string, Uint8Array | string>,
): Promise<CheckpointManifest> {
  const entries: Record<string, ManifestEntry> = {};
  for (const [name, data] of Object.entries(files)) {
    const bytes = fileBytes(data);
    entries[name] = { sha256: await sha256Hex(bytes), bytes: bytes.length };
  }
  return {
    format: CHECKPOINT_MANIFEST_FORMAT,
    version: CHECKPOINT_MANIFEST_VERSION,
    step,
    files: entries,
  };
}

/** manifest.json's text (pretty-printed, with a final newline). */
export function manifestText(m: CheckpointManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** Parses manifest.json; every problem names the field and what was expected. */
export function parseCheckpointManifest(text: string): CheckpointManifest {
  const where = CHECKPOINT_MANIFEST_FILE;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid JSON (${(e as Error).message}).`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${where} holds ${JSON.stringify(v)}; expected an object {step, files}.`);
  const o = v as Record<string, unknown>;
  if (o.format !== undefined && o.format !== CHECKPOINT_MANIFEST_FORMAT)
    throw new Error(
      `${where}: "format" is ${JSON.stringify(o.format)}, expected "${CHECKPOINT_MANIFEST_FORMAT}".`,
    );
  if (o.version !== undefined && o.version !== CHECKPOINT_MANIFEST_VERSION)
    throw new Error(
      `${where}: version ${JSON.stringify(o.version)} is not supported (this lab reads version ${CHECKPOINT_MANIFEST_VERSION}).`,
    );
  if (!Number.isSafeInteger(o.step) || (o.step as number) < 0)
    throw new Error(
      `${where}: "step" is ${JSON.stringify(o.step)}; expected a non-negative integer.`,
    );
  if (typeof o.files !== 'object' || o.files === null || Array.isArray(o.files))
    throw new Error(`${where}: "files" must be an object {name: {sha256, bytes}}.`);
  const files: Record<string, ManifestEntry> = {};
  for (const [name, e] of Object.entries(o.files as Record<string, unknown>)) {
    const entry = e as Partial<ManifestEntry> | null;
    if (
      !entry ||
      typeof entry.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(entry.sha256) ||
      !Number.isSafeInteger(entry.bytes) ||
      (entry.bytes as number) < 0
    )
      throw new Error(
        `${where}: the entry of "${name}" must be {"sha256": <64 lowercase hex digits>, "bytes": <size>}.`,
      );
    if (name.includes('/') || name.includes('\\') || name === '..' || name === '.')
      throw new Error(`${where}: "${name}" is not a plain file name.`);
    files[name] = { sha256: entry.sha256, bytes: entry.bytes as number };
  }
  return {
    ...(o.format !== undefined ? { format: o.format as string } : {}),
    ...(o.version !== undefined ? { version: o.version as number } : {}),
    step: o.step as number,
    files,
  };
}

/**
 * Checks one file against its manifest entry; throws naming the file (`where` says which
 * checkpoint, e.g. its folder).
 */
export async function verifyManifestEntry(
  where: string,
  name: string,
  entry: ManifestEntry,
  data: Uint8Array | null,
): Promise<void> {
  if (!data)
    throw new Error(`${where}: ${name} is listed in ${CHECKPOINT_MANIFEST_FILE} but missing.`);
  if (data.length !== entry.bytes)
    throw new Error(
      `${where}: ${name} has ${data.length} bytes but ${CHECKPOINT_MANIFEST_FILE} says ${entry.bytes}; the file is incomplete or was changed.`,
    );
  const got = await sha256Hex(data);
  if (got !== entry.sha256)
    throw new Error(
      `${where}: ${name} has SHA-256 ${got.slice(0, 12)}… but ${CHECKPOINT_MANIFEST_FILE} says ${entry.sha256.slice(0, 12)}…; the file was changed or damaged.`,
    );
}
