/**
 * Checkpoint folders on disk (`train --out DIR` writes DIR/checkpoint/, `sft --out DIR` writes
 * DIR itself), written so that a crash at any moment leaves a complete checkpoint, and read so
 * that nothing damaged is used.
 *
 * Writing DIR (durableFs.ts for each step):
 *   1. settle what an earlier crash left (below);
 *   2. write every file into DIR.partial/, flushed, and manifest.json (SHA-256 and size of each
 *      file, checkpointManifest.ts) last;
 *   3. rename DIR to DIR.previous, rename DIR.partial to DIR, remove DIR.previous.
 * The previous checkpoint stays whole until the new one is complete. A crash leaves one of:
 *   DIR (+ a stale DIR.partial or DIR.previous)   DIR is the checkpoint
 *   DIR.previous + a complete DIR.partial          the new one (its manifest verifies)
 *   DIR.previous (+ an incomplete DIR.partial)     the previous one
 * `readCheckpointDir` picks the same one, without changing anything; the next write settles it.
 *
 * Reading checks manifest.json (every listed file's size and SHA-256), then every file's content
 * (store/checkpointCheck.ts: config.json's shape, the weights' shapes, finite values, config and
 * step agreeing across files). Each problem names the folder and the file.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { checkCheckpointFiles, type CheckedCheckpoint } from '../engine/store/checkpointCheck';
import type { CheckpointFiles } from '../engine/store/checkpoint';
import {
  buildCheckpointManifest,
  CHECKPOINT_MANIFEST_FILE,
  manifestText,
  parseCheckpointManifest,
  verifyManifestEntry,
  type CheckpointManifest,
} from '../engine/store/checkpointManifest';
import { TRAINER_STATE_FILE } from '../engine/loop/trainerState';
import { exists, makeDir, removePath, renamePath, syncDir, writeFileFlushed } from './durableFs';

export const STAGING_SUFFIX = '.partial';
export const PREVIOUS_SUFFIX = '.previous';

/** The files of a checkpoint, in the order they are written (manifest.json comes after them). */
const CHECKPOINT_FILE_NAMES = [
  'model.safetensors',
  'config.json',
  'tokenizer.json',
  TRAINER_STATE_FILE,
] as const;

/** A folder that holds no checkpoint at all (none written yet, or none complete). */
export class NoCheckpointError extends Error {
  constructor(readonly dir: string) {
    super(
      `${dir} holds no checkpoint (no model.safetensors, config.json and tokenizer.json); pass a folder written by "sft" or a run's checkpoint/ folder.`,
    );
    this.name = 'NoCheckpointError';
  }
}

const siblings = (dir: string) => {
  const full = resolve(dir);
  return { full, staging: full + STAGING_SUFFIX, previous: full + PREVIOUS_SUFFIX };
};

/** Reads a file, or null when it does not exist. */
async function readOrNull(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** The folder's manifest, or null without one. */
async function readManifest(folder: string): Promise<CheckpointManifest | null> {
  const bytes = await readOrNull(join(folder, CHECKPOINT_MANIFEST_FILE));
  if (!bytes) return null;
  try {
    return parseCheckpointManifest(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${folder}/${(e as Error).message}`);
  }
}

/** Whether `folder` holds a checkpoint whose manifest lists every file with the right hash. */
async function isCompleteStaging(folder: string): Promise<boolean> {
  try {
    const m = await readManifest(folder);
    if (!m) return false;
    for (const [name, entry] of Object.entries(m.files))
      await verifyManifestEntry(folder, name, entry, await readOrNull(join(folder, name)));
    return true;
  } catch {
    return false;
  }
}

/**
 * The folder that holds `dir`'s checkpoint after whatever crash (see the top of this file), and
 * a note when it is not `dir` itself; null when there is none.
 */
export async function locateCheckpoint(
  dir: string,
): Promise<{ folder: string; note?: string } | null> {
  const { full, staging, previous } = siblings(dir);
  if (await exists(full)) return { folder: full };
  const name = basename(full);
  if (await isCompleteStaging(staging))
    return {
      folder: staging,
      note: `${name}/ was being replaced when the last run stopped; its complete successor ${basename(staging)}/ is used`,
    };
  if (await exists(previous))
    return {
      folder: previous,
      note: `${name}/ was being replaced when the last run stopped; the previous checkpoint ${basename(previous)}/ is used`,
    };
  return null;
}

/**
 * Brings what a crash left back to a plain DIR, one crash-safe step at a time, keeping the
 * checkpoint `locateCheckpoint` picks.
 */
export async function settleCheckpointDir(dir: string): Promise<void> {
  const { full, staging, previous } = siblings(dir);
  if (await exists(full)) {
    await removePath(staging);
    await removePath(previous);
  } else if (await isCompleteStaging(staging)) {
    await renamePath(staging, full);
    await removePath(previous);
  } else if (await exists(previous)) {
    await removePath(staging);
    await renamePath(previous, full);
  }
}

/**
 * Writes a checkpoint folder as described at the top of this file. `extra` files (e.g. an SFT
 * folder's sft_metrics.jsonl) go into the folder too, unlisted in the manifest.
 */
export async function writeCheckpointDir(
  dir: string,
  files: CheckpointFiles,
  extra: Record<string, string> = {},
): Promise<void> {
  const listed: Record<string, Uint8Array | string> = {};
  for (const name of CHECKPOINT_FILE_NAMES)
    if (files[name] !== undefined) listed[name] = files[name];
  const step = (JSON.parse(files['config.json']) as { step: number }).step;
  await writeFolderAtomic(dir, step, listed, extra);
}

/**
 * Writes any folder of files the same way (e.g. a pretrained run's adapter/): `listed` files go
 * into manifest.json with `step`, `extra` files are written unlisted.
 */
export async function writeFolderAtomic(
  dir: string,
  step: number,
  listed: Record<string, Uint8Array | string>,
  extra: Record<string, Uint8Array | string> = {},
): Promise<void> {
  const { full, staging, previous } = siblings(dir);
  await settleCheckpointDir(dir);
  await removePath(staging);
  await makeDir(staging);
  for (const [name, data] of [...Object.entries(listed), ...Object.entries(extra)])
    await writeFileFlushed(join(staging, name), data);
  const manifest = await buildCheckpointManifest(step, listed);
  await writeFileFlushed(join(staging, CHECKPOINT_MANIFEST_FILE), manifestText(manifest));
  await syncDir(staging);
  if (await exists(full)) await renamePath(full, previous);
  await renamePath(staging, full);
  await removePath(previous);
}

export interface ReadCheckpointOptions {
  /** Refuse a folder without manifest.json (default false: folders written before manifests load, with a note). */
  requireManifest?: boolean;
  /** Told what was recovered or could not be checked. */
  note?: (message: string) => void;
}

/** A checkpoint folder read and checked. */
export interface CheckpointDir {
  /** The folder actually read (DIR, or DIR.partial / DIR.previous after a crash). */
  folder: string;
  files: CheckpointFiles;
  /** null: a folder written before manifests. */
  manifest: CheckpointManifest | null;
  /** The decoded, checked contents (weights, tokenizer, trainer state, config). */
  checked: CheckedCheckpoint;
}

/**
 * Reads and checks a checkpoint folder (manifest, then content; see the top of this file).
 * Throws NoCheckpointError when there is none, and an error naming the file for anything wrong.
 */
export async function readCheckpointDir(
  dir: string,
  opts: ReadCheckpointOptions = {},
): Promise<CheckpointDir> {
  const found = await locateCheckpoint(dir);
  if (!found) throw new NoCheckpointError(dir);
  if (found.note) opts.note?.(found.note);
  const folder = found.folder;
  const raw: Record<string, Uint8Array | null> = {};
  for (const name of CHECKPOINT_FILE_NAMES) raw[name] = await readOrNull(join(folder, name));
  if (!raw['model.safetensors'] && !raw['config.json'] && !raw['tokenizer.json'])
    throw new NoCheckpointError(dir);
  const manifest = await readManifest(folder);
  if (manifest) {
    for (const [name, entry] of Object.entries(manifest.files))
      await verifyManifestEntry(
        folder,
        name,
        entry,
        raw[name] !== undefined ? raw[name] : await readOrNull(join(folder, name)),
      );
    for (const name of CHECKPOINT_FILE_NAMES)
      if (raw[name] && !manifest.files[name])
        throw new Error(
          `${folder}: ${name} is not listed in ${CHECKPOINT_MANIFEST_FILE}; it does not belong to this checkpoint.`,
        );
  } else if (opts.requireManifest) {
    throw new Error(
      `${folder} has no ${CHECKPOINT_MANIFEST_FILE}, so its files cannot be checked against their SHA-256.`,
    );
  } else {
    opts.note?.(
      `${folder} has no ${CHECKPOINT_MANIFEST_FILE} (written before manifests): its files are checked for shape and finite values only`,
    );
  }
  if (!raw['model.safetensors'] && (await exists(join(folder, 'checkpoint', 'model.safetensors'))))
    throw new Error(
      `${folder} is a run folder written by "train --out"; its checkpoint is ${join(folder, 'checkpoint')}.`,
    );
  for (const name of ['model.safetensors', 'config.json', 'tokenizer.json'] as const)
    if (!raw[name])
      throw new Error(
        `Checkpoint folder ${folder} has no ${name}; pass a folder written by "sft" or "train".`,
      );
  const dec = new TextDecoder();
  const files: CheckpointFiles = {
    'model.safetensors': raw['model.safetensors']!,
    'config.json': dec.decode(raw['config.json']!),
    'tokenizer.json': dec.decode(raw['tokenizer.json']!),
  };
  // RL checkpoints also hold the trainer's state (optimizer, RNG, data order): what resume needs.
  if (raw[TRAINER_STATE_FILE]) files[TRAINER_STATE_FILE] = raw[TRAINER_STATE_FILE];
  let checked: CheckedCheckpoint;
  try {
    checked = checkCheckpointFiles(files);
  } catch (e) {
    throw new Error(`Checkpoint ${folder}: ${(e as Error).message}`);
  }
  if (manifest && manifest.step !== checked.meta.step)
    throw new Error(
      `Checkpoint ${folder}: ${CHECKPOINT_MANIFEST_FILE} says step ${manifest.step} but config.json says step ${checked.meta.step}; the files come from different checkpoints.`,
    );
  return { folder, files, manifest, checked };
}
