/**
 * Benchmark core shared by Node (bench/run.ts) and the browser worker (bench/bench.worker.ts).
 * No Node or DOM APIs: the caller activates a tfjs backend first, then calls runPreset().
 */
import * as tf from '@tensorflow/tfjs';
import { sample } from '../src/engine/model/sample';
import { TransformerModel, parameterCount } from '../src/engine/model/transformer';
import { mulberry32 } from '../src/engine/random';
import { PRESETS, type PresetName } from './presets';
import { median, trackPeak, type PeakTracker } from './stats';
import { disposeOptimizer, trainStep } from './train';

export interface PresetPlan {
  preset: PresetName;
  /** Timed runs of cached sampling (after one warm-up). */
  cachedReps: number;
  /** Timed runs of no-cache sampling; 0 skips it (and its warm-up). */
  recomputeReps: number;
  /** Timed train steps (after one warm-up); 0 skips the train figure. */
  trainReps: number;
  /** Run an untimed no-cache call first (needed where shaders compile per shape). */
  recomputeWarmup: boolean;
  /** Run an untimed train step first (also creates the Adam state). */
  trainWarmup: boolean;
  /** Why a count is lower than the default, or a part skipped; copied into the result. */
  note?: string;
}

export interface PresetResult {
  backend: string;
  preset: PresetName;
  params: number;
  batch: number;
  promptTokens: number;
  newTokens: number;
  cached_tokens_per_s: number;
  recompute_tokens_per_s: number | null;
  speedup: number | null;
  cached_ms: number;
  recompute_ms: number | null;
  cached_runs_ms: number[];
  recompute_runs_ms: number[];
  /** Most bytes held by live tensors in each part; see peak_bytes_method. */
  peak_bytes: { cached: number; recompute: number | null; train: number | null };
  peak_bytes_method: string;
  train_tokens_per_s: number | null;
  train_step_ms: number | null;
  train_runs_ms: number[];
  /** Untimed first calls (shader compilation); null where skipped. */
  warmup_ms: { cached: number | null; recompute: number | null; train: number | null };
  notes: string[];
}

export const BATCH = 16;
export const NEW_TOKENS = 128;
export const PROMPT_TOKENS = 8;
export const TRAIN_SEQ = 128;
/** Never sampled (ids are >= 0), so every row runs the full length. */
const NO_EOS = -1;

function prompts(vocab: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  return Array.from({ length: BATCH }, () =>
    Array.from({ length: PROMPT_TOKENS }, () => 1 + Math.floor(rng.next() * (vocab - 1))),
  );
}

/** One full sampling call; returns wall ms (the last step reads the ids back, so it is synced). */
async function timeSample(
  model: TransformerModel,
  useCache: boolean,
  seed: number,
  peak: PeakTracker,
): Promise<number> {
  const t0 = performance.now();
  const r = await sample(model, prompts(model.config.vocab, seed), {
    maxNewTokens: NEW_TOKENS,
    temperature: 1,
    topP: 1,
    seed,
    eosId: NO_EOS,
    padId: 0,
    useCache,
    onStep: () => peak.poll(),
  });
  const ms = performance.now() - t0;
  if (r.steps !== NEW_TOKENS) throw new Error(`sample ran ${r.steps} steps, not ${NEW_TOKENS}`);
  return ms;
}

async function timeMany(
  reps: number,
  warmup: boolean,
  run: (i: number) => Promise<number>,
  log: (msg: string) => void,
  label: string,
) {
  const warm = warmup ? await run(0) : null;
  if (warm !== null) log(`${label}: warm-up ${warm.toFixed(0)} ms`);
  const runs: number[] = [];
  for (let i = 1; i <= reps; i++) {
    runs.push(await run(i));
    log(`${label}: run ${i}/${reps} ${runs[runs.length - 1].toFixed(0)} ms`);
  }
  return { warm, runs, med: median(runs) };
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const roundOrNull = (x: number | null) => (x === null ? null : round(x));

/** Runs one preset on the active tfjs backend. */
export async function runPreset(
  plan: PresetPlan,
  log: (msg: string) => void = () => {},
): Promise<PresetResult> {
  const backend = tf.getBackend();
  const model = TransformerModel.create(PRESETS[plan.preset], 1234);
  const tag = `[${backend}/${plan.preset}]`;
  const peaks = { cached: trackPeak(), recompute: trackPeak(), train: trackPeak() };
  const notes = plan.note ? [plan.note] : [];
  try {
    const perRun = BATCH * NEW_TOKENS;
    const cached = await timeMany(
      plan.cachedReps,
      true,
      (i) => timeSample(model, true, 100 + i, peaks.cached),
      log,
      `${tag} cached`,
    );
    const recompute =
      plan.recomputeReps > 0
        ? await timeMany(
            plan.recomputeReps,
            plan.recomputeWarmup,
            (i) => timeSample(model, false, 100 + i, peaks.recompute),
            log,
            `${tag} recompute`,
          )
        : null;
    const train =
      plan.trainReps > 0
        ? await timeMany(
            plan.trainReps,
            plan.trainWarmup,
            (i) => trainStep(model, BATCH, TRAIN_SEQ, 7 + i, peaks.train),
            log,
            `${tag} train`,
          )
        : null;
    const cachedTps = perRun / (cached.med / 1000);
    const recomputeTps = recompute ? perRun / (recompute.med / 1000) : null;
    return {
      backend,
      preset: plan.preset,
      params: parameterCount(model),
      batch: BATCH,
      promptTokens: PROMPT_TOKENS,
      newTokens: NEW_TOKENS,
      cached_tokens_per_s: round(cachedTps),
      recompute_tokens_per_s: recomputeTps === null ? null : round(recomputeTps),
      speedup: recomputeTps === null ? null : round(cachedTps / recomputeTps, 2),
      cached_ms: round(cached.med),
      recompute_ms: recompute ? round(recompute.med) : null,
      cached_runs_ms: cached.runs.map((x) => round(x)),
      recompute_runs_ms: recompute ? recompute.runs.map((x) => round(x)) : [],
      peak_bytes: {
        cached: peaks.cached.peak(),
        recompute: recompute ? peaks.recompute.peak() : null,
        train: train ? peaks.train.peak() : null,
      },
      peak_bytes_method: peaks.cached.method,
      train_tokens_per_s: train ? round((BATCH * TRAIN_SEQ) / (train.med / 1000)) : null,
      train_step_ms: train ? round(train.med) : null,
      train_runs_ms: train ? train.runs.map((x) => round(x)) : [],
      warmup_ms: {
        cached: roundOrNull(cached.warm),
        recompute: recompute ? roundOrNull(recompute.warm) : null,
        train: train ? roundOrNull(train.warm) : null,
      },
      notes,
    };
  } finally {
    disposeOptimizer(model);
    model.dispose();
  }
}
