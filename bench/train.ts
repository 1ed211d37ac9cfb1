/** Train part: forward + backward + AdamW on a [B x G, 128] random batch (the PyTorch reference's step). */
import * as tf from '@tensorflow/tfjs';
import {
  diffCounts,
  startDispatchProfile,
  startWorkCounter,
  type CallCounter,
  type WorkCounts,
} from '../src/engine/backend/counters';
import { tokenScores } from '../src/engine/model/logprobs';
import type { CausalLM } from '../src/engine/model/causalLM';
import { TransformerModel } from '../src/engine/model/transformer';
import { AdamW } from '../src/engine/optim/adamw';
import { mulberry32 } from '../src/engine/random';
import type { BenchPreset } from './presets';
import {
  round,
  timeMany,
  trackPeak,
  watchingKernels,
  type MemoryPeak,
  type PeakTracker,
} from './stats';
import { TRAIN_SEQ } from './workload';

export interface TrainPlan {
  reps: number;
  warmup: boolean;
}

/** Rows of one train step: the preset's B x G, or a real-size student's update mini-batch. */
export function trainRows(preset: BenchPreset): number {
  // The pretrained path updates in rl.miniBatches mini-batches of ceil(B x G / miniBatches) rows.
  return preset.realSize
    ? Math.ceil(preset.rows / Math.max(1, preset.config.rl.miniBatches))
    : preset.rows;
}

export interface TrainResult {
  rows: number;
  seq: number;
  train_tokens_per_s: number;
  train_step_ms: number;
  train_runs_ms: number[];
  train_warmup_ms: number | null;
  /**
   * Work of one train step (the warm-up, counted): op-level kernels and tensor reads everywhere;
   * on WebGPU also compute dispatches, queue submits, uploads and readbacks (sync + async).
   */
  per_step: WorkCounts;
  /**
   * The same split: forward + backward (to the gradients), then the optimizer (AdamW with its
   * gradient-norm readback); the loss readback is in per_step only.
   */
  per_step_fwd_bwd: WorkCounts;
  per_step_optimizer: WorkCounts;
  /** WebGPU: the counted step's dispatches by the kernel that recorded them, most first. */
  dispatches_by_kernel: WorkCounts;
  peak: MemoryPeak;
}

/** Counts of a step: at its start, after the backward pass, after AdamW and at its end. */
interface StepCounts {
  start: WorkCounts;
  grads: WorkCounts;
  optimized: WorkCounts;
  end: WorkCounts;
}

/** AdamW as the PyTorch reference runs it (global-norm clip 1, decay 0.01), over all of model's variables. */
export function benchOptimizer(model: CausalLM): AdamW {
  return new AdamW(model.variables(), {
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
    gradClip: 1,
  });
}

/**
 * One step (forward + backward + AdamW on a random [rows, TRAIN_SEQ] batch drawn from `seed`);
 * wall ms (the gradient-norm and loss readbacks wait for the queued work).
 */
export async function trainStep(
  model: CausalLM,
  opt: AdamW,
  rows: number,
  seed: number,
  peak: PeakTracker,
  counter: CallCounter | null = null,
  counted: (c: StepCounts) => void = () => {},
): Promise<number> {
  const rng = mulberry32(seed);
  const V = model.config.vocab;
  const data = Int32Array.from({ length: rows * TRAIN_SEQ }, () => Math.floor(rng.next() * V));
  const tokens = tf.tensor2d(data, [rows, TRAIN_SEQ], 'int32');
  const vars = model.variables();
  const t0 = performance.now();
  const start = counter?.counts();
  const { value, grads } = tf.variableGrads(() => {
    const { logp } = tokenScores(model, tokens);
    peak.poll();
    return logp.mean().neg() as tf.Scalar;
  }, vars);
  const afterGrads = counter?.counts();
  const report = await opt.apply(
    vars.map((v) => grads[v.name]),
    1e-3,
  );
  const optimized = counter?.counts();
  const loss = (await value.data())[0];
  const ms = performance.now() - t0;
  if (counter)
    counted({ start: start!, grads: afterGrads!, optimized: optimized!, end: counter.counts() });
  tf.dispose([value, tokens, ...Object.values(grads)]);
  if (!Number.isFinite(loss) || !report.applied) throw new Error(`train loss is ${loss}`);
  return ms;
}

export async function runTrain(
  preset: BenchPreset,
  plan: TrainPlan,
  log: (msg: string) => void,
): Promise<TrainResult> {
  // Real-size: LoRA (forward + backward into the adapters, AdamW on the adapters), as the
  // pretrained path trains; the frozen base gets no gradient.
  const model: CausalLM = preset.realSize
    ? preset.realSize.build()
    : TransformerModel.create(preset.model, 1234);
  const rows = trainRows(preset);
  const opt = benchOptimizer(model);
  const peak = trackPeak();
  let counts: StepCounts | null = null;
  let byKernel: WorkCounts = {};
  try {
    // The first run (the warm-up, or the only run) is the counted one.
    const t = await timeMany(
      plan.reps,
      plan.warmup,
      (i) =>
        watchingKernels(i === (plan.warmup ? 0 : 1), peak, async () => {
          const counted = i === (plan.warmup ? 0 : 1);
          const counter = counted ? startWorkCounter() : null;
          const profile = counted ? startDispatchProfile() : null;
          try {
            return await trainStep(model, opt, rows, 7 + i, peak, counter, (c) => {
              counts = c;
            });
          } finally {
            if (profile) byKernel = profile.counts();
            profile?.restore();
            counter?.restore();
          }
        }),
      log,
      `[${tf.getBackend()}/${preset.name}] train`,
    );
    const c = counts as StepCounts | null;
    if (!c) throw new Error('the train step was not counted');
    return {
      rows,
      seq: TRAIN_SEQ,
      train_tokens_per_s: round((rows * TRAIN_SEQ) / (t.median_ms / 1000)),
      train_step_ms: t.median_ms,
      train_runs_ms: t.runs_ms,
      train_warmup_ms: t.warmup_ms,
      per_step: diffCounts(c.end, c.start),
      per_step_fwd_bwd: diffCounts(c.grads, c.start),
      per_step_optimizer: diffCounts(c.optimized, c.grads),
      dispatches_by_kernel: Object.fromEntries(
        Object.entries(byKernel).sort((a, b) => b[1] - a[1]),
      ),
      peak: peak.peak(),
    };
  } finally {
    opt.dispose();
    model.dispose();
  }
}
