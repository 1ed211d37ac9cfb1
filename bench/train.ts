/** Train part: forward + backward + AdamW on a [B x G, 128] random batch (the PyTorch reference's step). */
import * as tf from '@tensorflow/tfjs';
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
  peak: MemoryPeak;
}

/** One step; wall ms (the gradient-norm and loss readbacks wait for the queued work). */
async function trainStep(
  model: CausalLM,
  opt: AdamW,
  rows: number,
  seed: number,
  peak: PeakTracker,
): Promise<number> {
  const rng = mulberry32(seed);
  const V = model.config.vocab;
  const data = Int32Array.from({ length: rows * TRAIN_SEQ }, () => Math.floor(rng.next() * V));
  const tokens = tf.tensor2d(data, [rows, TRAIN_SEQ], 'int32');
  const vars = model.variables();
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => {
    const { logp } = tokenScores(model, tokens);
    peak.poll();
    return logp.mean().neg() as tf.Scalar;
  }, vars);
  const report = await opt.apply(
    vars.map((v) => grads[v.name]),
    1e-3,
  );
  const loss = (await value.data())[0];
  const ms = performance.now() - t0;
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
  const opt = new AdamW(model.variables(), {
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
    gradClip: 1,
  });
  const peak = trackPeak();
  try {
    const t = await timeMany(
      plan.reps,
      plan.warmup,
      (i) =>
        watchingKernels(i === (plan.warmup ? 0 : 1), peak, () =>
          trainStep(model, opt, rows, 7 + i, peak),
        ),
      log,
      `[${tf.getBackend()}/${preset.name}] train`,
    );
    return {
      rows,
      seq: TRAIN_SEQ,
      train_tokens_per_s: round((rows * TRAIN_SEQ) / (t.median_ms / 1000)),
      train_step_ms: t.median_ms,
      train_runs_ms: t.runs_ms,
      train_warmup_ms: t.warmup_ms,
      peak: peak.peak(),
    };
  } finally {
    opt.dispose();
    model.dispose();
  }
}
