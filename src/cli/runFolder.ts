/**
 * A run folder (`train --out DIR`): what it holds, the check made before a command may write
 * into it, and its writer. Every write goes through durableFs.ts (flushed; whole files replaced
 * in one rename), and every row and config is scrubbed of the run's secrets first (the API key,
 * credentials inside URLs), so no file of the folder ever holds one.
 *
 *   config.json         the run's config (secrets redacted)
 *   metrics.jsonl       one row per RL step        trajectories.jsonl  every rollout
 *   sft_metrics.jsonl   one row per warm-up step   eval.jsonl          held-out evaluations
 *   checkpoint/         the last checkpoint (checkpointDir.ts), plus checkpoint.partial/ or
 *                       checkpoint.previous/ while one is replaced
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunConfig } from '../contract/config';
import type { CheckpointFiles } from '../engine/store/checkpoint';
import { redactKnown, redactSecrets, secretValues } from '../contract/redact';
import { PREVIOUS_SUFFIX, STAGING_SUFFIX, writeCheckpointDir } from './checkpointDir';
import { appendDurable, makeDir, removePath, writeFileAtomic } from './durableFs';

export const RUN_JSONL_FILES = [
  'metrics.jsonl',
  'trajectories.jsonl',
  'sft_metrics.jsonl',
  'eval.jsonl',
] as const;
export type RunJsonlFile = (typeof RUN_JSONL_FILES)[number];

export const CHECKPOINT_FOLDER = 'checkpoint';

/** Everything a run folder may hold (a pretrained run's adapter/ or model/ included). */
const RUN_ENTRIES = [
  'config.json',
  ...RUN_JSONL_FILES,
  CHECKPOINT_FOLDER,
  CHECKPOINT_FOLDER + STAGING_SUFFIX,
  CHECKPOINT_FOLDER + PREVIOUS_SUFFIX,
  'adapter',
  'adapter' + STAGING_SUFFIX,
  'adapter' + PREVIOUS_SUFFIX,
  'model',
  'model' + STAGING_SUFFIX,
  'model' + PREVIOUS_SUFFIX,
];

/** The run entries `dir` holds (empty files left out); [] for a missing or empty folder. */
export async function runEntries(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of RUN_ENTRIES) {
    if (!names.includes(name)) continue;
    const s = await stat(join(dir, name));
    if (s.isDirectory()) out.push(`${name}/`);
    else if (s.size > 0) out.push(name);
  }
  return out;
}

/**
 * Why `train --out DIR` may not write into DIR, or null: a folder that holds a run is only
 * replaced with `--overwrite` (it may be a finished run's history).
 */
export async function outFolderProblem(dir: string, overwrite: boolean): Promise<string | null> {
  if (overwrite) return null;
  const held = await runEntries(dir);
  if (held.length === 0) return null;
  return `${dir} already holds a run (${held.join(', ')}); continue it with "train --resume ${dir}", choose another --out, or pass --overwrite to replace it.`;
}

/** The secrets a run must keep out of its files and messages: the key, credentials in URLs. */
export function runSecrets(c: RunConfig, apiKey: string | undefined): string[] {
  return [...(apiKey ? [apiKey] : []), ...secretValues(c)];
}

/** Writes a run folder's files (see the top of this file). */
export class RunFolderWriter {
  constructor(
    readonly dir: string,
    /** Known secret values scrubbed from every row (the key, URL credentials). */
    private readonly secrets: readonly string[],
  ) {}

  /** A new run: any previous run's files removed, config.json written, empty JSONL files. */
  async start(config: RunConfig): Promise<void> {
    await makeDir(this.dir);
    for (const name of RUN_ENTRIES)
      if (name !== 'config.json' && !RUN_JSONL_FILES.includes(name as RunJsonlFile))
        await removePath(join(this.dir, name));
    await this.writeConfig(config);
    for (const f of RUN_JSONL_FILES) await writeFileAtomic(join(this.dir, f), '');
    await this.removeStaleTemps();
  }

  /** Removes "<file>.tmp" files a crash left behind (a replacement that never happened). */
  async removeStaleTemps(): Promise<void> {
    for (const f of ['config.json', ...RUN_JSONL_FILES])
      await removePath(join(this.dir, `${f}.tmp`));
  }

  /** config.json, secrets redacted, replaced in one step. */
  async writeConfig(config: RunConfig): Promise<void> {
    const clean = redactSecrets(config, this.secrets);
    await writeFileAtomic(join(this.dir, 'config.json'), JSON.stringify(clean, null, 2));
  }

  /** Appends rows to one of the JSONL files (one write, flushed). */
  async append(file: RunJsonlFile, rows: readonly unknown[]): Promise<void> {
    if (rows.length === 0) return;
    const text = rows.map((r) => redactKnown(JSON.stringify(r), this.secrets)).join('\n') + '\n';
    await appendDurable(join(this.dir, file), text);
  }

  /** Replaces checkpoint/ (the previous one is kept until the new one is complete). */
  async checkpoint(files: CheckpointFiles): Promise<string> {
    const dir = join(this.dir, CHECKPOINT_FOLDER);
    await writeCheckpointDir(dir, files);
    return dir;
  }
}
