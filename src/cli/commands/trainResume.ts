/**
 * `train --resume DIR`: continues a run folder written by `train --out DIR` from its checkpoint
 * (weights, optimizer, RNG, data order: checkpoint/trainer_state.safetensors). Rows written after
 * the checkpoint (a crash between checkpoints) are dropped first; the resumed steps replace them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyOverride, parseConfig, type RunConfig } from '../../engine/config';
import { resumePointFromFiles, type ResumePoint } from '../../engine/loop/resume';
import { readCheckpointDir } from '../checkpointDir';

/** The run's config (DIR/config.json) with `--set` overrides, e.g. rl.steps=100 to go further. */
export async function resumeConfig(dir: string, sets: readonly string[]): Promise<RunConfig> {
  let text: string;
  try {
    text = await readFile(join(dir, 'config.json'), 'utf8');
  } catch {
    throw new Error(`${dir} has no config.json; pass a folder written by "train --out".`);
  }
  let c: RunConfig;
  try {
    c = parseConfig(JSON.parse(text));
  } catch (e) {
    throw new Error(`${join(dir, 'config.json')}: ${(e as Error).message}`);
  }
  for (const s of sets) c = applyOverride(c, s);
  return c;
}

/** Loads DIR/checkpoint and trims DIR's metrics and trajectories to its step. */
export async function prepareResumeDir(dir: string): Promise<ResumePoint> {
  const point = resumePointFromFiles(await readCheckpointDir(join(dir, 'checkpoint')));
  const k = point.state.step;
  const keep = async (file: string, stepOf: (row: { step: number }) => number) => {
    const text = await readFile(join(dir, file), 'utf8').catch(() => '');
    const lines = text.split('\n').filter((l) => l.trim() && stepOf(JSON.parse(l)) <= k);
    await writeFile(join(dir, file), lines.map((l) => l + '\n').join(''));
  };
  await keep('metrics.jsonl', (m) => m.step);
  await keep('trajectories.jsonl', (t) => t.step + 1); // trajectories count steps from 0
  await keep('eval.jsonl', (e) => e.step);
  return point;
}
