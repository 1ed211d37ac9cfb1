/**
 * `train --resume DIR`: continues a run folder written by `train --out DIR` from its checkpoint
 * (weights, optimizer, RNG, data order: checkpoint/trainer_state.safetensors).
 *
 * Nothing in DIR changes until everything is read and checked (`planResume`): the checkpoint
 * (manifest, shapes, finite values; after a crash, the complete one of checkpoint/,
 * checkpoint.partial/, checkpoint.previous/), config.json and every JSONL file. Then
 * `applyResumePlan` replaces the JSONL files, each in one step, by their rows up to the
 * checkpoint's step: rows written after it (a crash between checkpoints) and a torn last line
 * (a crash while appending) are dropped, and said so; the resumed steps write them again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyOverride, parseConfig, type RunConfig } from '../../contract/config';
import { resumePointFromChecked, type ResumePoint } from '../../engine/loop/resume';
import { evalDue } from '../../engine/loop/run';
import { NoCheckpointError, readCheckpointDir, settleCheckpointDir } from '../checkpointDir';
import { writeFileAtomic } from '../durableFs';
import { jsonlText, parseJsonlTolerant, type JsonlRow } from '../jsonlFile';
import { CHECKPOINT_FOLDER, RUN_JSONL_FILES, type RunJsonlFile } from '../runFolder';
import { adoptModelShape } from './initShape';
import { trajectoryStepOffset } from '../../contract/runBundleFormat';

/** The run's config (DIR/config.json) with `--set` overrides, e.g. rl.steps=100 to go further. */
export async function resumeConfig(dir: string, sets: readonly string[]): Promise<RunConfig> {
  let text: string;
  try {
    text = await readFile(join(dir, 'config.json'), 'utf8');
  } catch {
    throw new Error(`${dir} has no config.json; pass a folder written by "train --out".`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `${join(dir, 'config.json')} is not valid JSON (${(e as Error).message}); expected the run config "train --out" writes.`,
    );
  }
  if (value && typeof value === 'object' && 'model' in value && 'run' in value && 'step' in value)
    throw new Error(
      `${dir} is a checkpoint folder (its config.json holds {model, run, step}, as "sft" writes), not a run folder written by "train --out"; start RL from it with "train --init ${dir} --out NEW_DIR".`,
    );
  let c: RunConfig;
  try {
    c = parseConfig(value);
  } catch (e) {
    throw new Error(
      `${join(dir, 'config.json')} is not a run config as "train --out" writes it: ${(e as Error).message}`,
    );
  }
  for (const s of sets) c = applyOverride(c, s);
  return c;
}

/** Which step a row of each file belongs to (null: keep the row whatever the step). */
const STEP_OF: Record<RunJsonlFile, ((row: Record<string, unknown>) => number) | null> = {
  'metrics.jsonl': (m) => Number(m.step),
  'trajectories.jsonl': (t) => Number(t.step), // from 1 (older folders: renumbered first)
  'eval.jsonl': (e) => Number(e.step),
  'sft_metrics.jsonl': null, // the warm-up is over once a checkpoint exists
};

/** What `applyResumePlan` will do, read and checked but not applied yet. */
export interface ResumePlan {
  dir: string;
  point: ResumePoint;
  /** The config with the checkpoint's model shape (a --set model.* that differs is refused). */
  config: RunConfig;
  /** New text of each JSONL file that changes. */
  rewrites: Array<{ file: RunJsonlFile; text: string }>;
  /** Whether eval.jsonl has a row for the checkpoint's step. */
  evalRowAtCheckpoint: boolean;
  /** What was dropped or recovered, in words. */
  notes: string[];
}

/**
 * Reads and checks everything `--resume DIR` needs, changing nothing (see the top of this file).
 * `sets` are the command's --set assignments (model.* ones must agree with the checkpoint).
 */
export async function planResume(
  dir: string,
  config: RunConfig,
  sets: readonly string[],
): Promise<ResumePlan> {
  const notes: string[] = [];
  let checkpoint;
  try {
    checkpoint = await readCheckpointDir(join(dir, CHECKPOINT_FOLDER), {
      note: (n) => notes.push(n),
    });
  } catch (e) {
    if (e instanceof NoCheckpointError)
      throw new Error(
        `${dir} has no checkpoint yet: the run stopped before its first one (during warm-up or set-up), so there is nothing to continue. Start it again with the same "train" command and --overwrite.`,
      );
    throw e;
  }
  const adopted = adoptModelShape(
    config,
    checkpoint.checked.meta,
    sets,
    `the checkpoint of ${dir}`,
  );
  const point = resumePointFromChecked(checkpoint.checked);
  const k = point.state.step;
  const rewrites: ResumePlan['rewrites'] = [];
  let evalRowAtCheckpoint = false;
  try {
    for (const file of RUN_JSONL_FILES) {
      const text = await readFile(join(dir, file), 'utf8').catch(() => '');
      const parsed = parseJsonlTolerant(file, text);
      const { tornChars } = parsed;
      const rows =
        file === 'trajectories.jsonl' ? renumberedTrajectories(parsed.rows, notes) : parsed.rows;
      const renumbered = rows !== parsed.rows;
      const stepOf = STEP_OF[file];
      const kept: JsonlRow[] = stepOf ? rows.filter((r) => stepOf(r.value) <= k) : rows;
      if (tornChars > 0)
        notes.push(
          `${file}: dropped a torn last line (${tornChars} characters): the run was stopped while writing it`,
        );
      if (kept.length < rows.length)
        notes.push(
          `${file}: dropped ${rows.length - kept.length} row(s) written after the checkpoint's step ${k}; the resumed steps write them again`,
        );
      if (file === 'eval.jsonl') evalRowAtCheckpoint = kept.some((r) => Number(r.value.step) === k);
      if (file === 'metrics.jsonl') notes.push(...stepGaps(kept, k));
      if (tornChars > 0 || kept.length < rows.length || renumbered)
        rewrites.push({ file, text: jsonlText(kept) });
    }
  } catch (e) {
    point.model.dispose();
    throw e;
  }
  return { dir, point, config: adopted, rewrites, evalRowAtCheckpoint, notes };
}

/**
 * trajectories.jsonl's rows numbered from 1 like metrics.jsonl: a folder written before that
 * (its first step's rollouts hold "step": 0) is renumbered, and a note says so. The same rows
 * when nothing changes.
 */
function renumberedTrajectories(rows: JsonlRow[], notes: string[]): JsonlRow[] {
  const offset = trajectoryStepOffset(
    null,
    rows.map((r) => Number(r.value.step)),
  );
  if (offset === 0) return rows;
  notes.push(
    'trajectories.jsonl: renumbered its steps from 1, as metrics.jsonl numbers them (the folder was written when trajectories counted from 0)',
  );
  return rows.map((r) => {
    const value = { ...r.value, step: Number(r.value.step) + offset };
    return { text: JSON.stringify(value), value };
  });
}

/** Notes when metrics.jsonl's steps up to `k` are not exactly 1..k. */
function stepGaps(rows: readonly JsonlRow[], k: number): string[] {
  const steps = rows.map((r) => Number(r.value.step));
  const missing: number[] = [];
  for (let s = 1; s <= k; s++) if (!steps.includes(s)) missing.push(s);
  const dup = steps.filter((s, i) => steps.indexOf(s) !== i);
  const out: string[] = [];
  if (missing.length > 0)
    out.push(
      `metrics.jsonl has no rows for step(s) ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} before the checkpoint; the run continues, those rows stay missing`,
    );
  if (dup.length > 0)
    out.push(`metrics.jsonl has step(s) ${[...new Set(dup)].join(', ')} more than once`);
  return out;
}

/** Puts checkpoint/ back in place after a crash, then replaces the JSONL files that change. */
export async function applyResumePlan(plan: ResumePlan): Promise<void> {
  await settleCheckpointDir(join(plan.dir, CHECKPOINT_FOLDER));
  for (const { file, text } of plan.rewrites) await writeFileAtomic(join(plan.dir, file), text);
}

/** Whether the resumed run evaluates before its next step: due at the checkpoint's step, row lost. */
export function evalDueAtResume(plan: ResumePlan): boolean {
  // As an uninterrupted run evaluates: the driver's schedule.
  return evalDue(plan.point.state.step, plan.config) && !plan.evalRowAtCheckpoint;
}
