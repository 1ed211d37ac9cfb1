/**
 * Update scaling part: the RL update (runUpdates: ThinkTuning loss, backward, AdamW) on synthetic
 * rollouts, timed at 4 group sizes G and 4 response lengths L. Linear scaling keeps
 * us_per_token flat; attention's T^2 term makes it rise slowly with L at these widths.
 */
import * as tf from '@tensorflow/tfjs';
import { lossConfigFromConfig } from '../src/engine/loop/setup';
import { disposePacked, packRollouts } from '../src/engine/loop/pack';
import { runUpdates } from '../src/engine/loop/update';
import { tokenScores } from '../src/engine/model/logprobs';
import { TransformerModel } from '../src/engine/model/transformer';
import type { AdamW } from '../src/engine/optim/adamw';
import { mulberry32 } from '../src/engine/random';
import { withContext, type BenchPreset } from './presets';
import { median, round } from './stats';
import { benchOptimizer } from './train';
import {
  SCALING_BASE_G,
  SCALING_BASE_LENGTH,
  SCALING_G,
  SCALING_LENGTHS,
  SCALING_PROMPT,
} from './workload';

export interface ScalingPlan {
  /** Timed updates per size after one warm-up. */
  reps: number;
}

export interface ScalingPoint {
  G: number;
  L: number;
  rows: number;
  /** rows x (prompt + L): the tokens one update processes. */
  tokens: number;
  update_ms: number;
  runs_ms: number[];
  us_per_token: number;
}

export interface ScalingResult {
  B: number;
  prompt: number;
  by_G: ScalingPoint[];
  by_length: ScalingPoint[];
  /**
   * Growth of the update time against growth of the work, from the smallest to the largest size:
   * (time ratio) / (token ratio); 1 = linear, below 1 = better than linear.
   */
  growth_vs_linear: { G: number; length: number };
}

async function timeUpdate(
  model: TransformerModel,
  opt: AdamW,
  preset: BenchPreset,
  G: number,
  L: number,
  seed: number,
): Promise<number> {
  const rng = mulberry32(seed);
  const V = model.config.vocab;
  const rows = preset.B * G;
  const ids = (n: number) => Array.from({ length: n }, () => 1 + Math.floor(rng.next() * (V - 1)));
  const batch = Array.from({ length: rows }, () => ({
    prompt: ids(SCALING_PROMPT),
    response: ids(L),
    offPolicy: Array.from({ length: L }, (_, j) => j >= L - 8), // a teacher tail, as guided rows have
  }));
  const advantages = Array.from({ length: rows }, () => rng.next() - 0.5);
  const packed = packRollouts(
    batch.map((r, i) => ({ ...r, advantage: advantages[i] })),
    preset.tokenizer.padId,
  );
  const oldLogp = tf.tidy(() => tokenScores(model, packed.tokens).logp);
  try {
    const t0 = performance.now();
    await runUpdates({
      model,
      optimizer: opt,
      packed,
      oldLogp,
      refLogp: null,
      lossConfig: lossConfigFromConfig(preset.config),
      miniBatches: 1,
      epochs: 1,
      lr: 1e-5,
    });
    return performance.now() - t0;
  } finally {
    oldLogp.dispose();
    disposePacked(packed);
  }
}

export async function runScaling(
  preset: BenchPreset,
  plan: ScalingPlan,
  log: (msg: string) => void,
): Promise<ScalingResult> {
  const longest = SCALING_PROMPT + Math.max(...SCALING_LENGTHS, SCALING_BASE_LENGTH);
  const model = TransformerModel.create(withContext(preset.model, longest), 1234);
  const opt = benchOptimizer(model);
  const tag = `[${tf.getBackend()}/${preset.name}] update scaling`;
  const point = async (G: number, L: number): Promise<ScalingPoint> => {
    await timeUpdate(model, opt, preset, G, L, 1); // warm-up (shapes compile, buffers grow)
    const runs: number[] = [];
    for (let i = 0; i < plan.reps; i++)
      runs.push(await timeUpdate(model, opt, preset, G, L, 2 + i));
    const rows = preset.B * G;
    const tokens = rows * (SCALING_PROMPT + L);
    const ms = median(runs);
    log(
      `${tag}: G=${G} L=${L} ${ms.toFixed(0)} ms (${((ms * 1000) / tokens).toFixed(1)} us/token)`,
    );
    return {
      G,
      L,
      rows,
      tokens,
      update_ms: round(ms),
      runs_ms: runs.map((x) => round(x)),
      us_per_token: round((ms * 1000) / tokens, 2),
    };
  };
  try {
    const byG: ScalingPoint[] = [];
    for (const G of SCALING_G) byG.push(await point(G, SCALING_BASE_LENGTH));
    const byL: ScalingPoint[] = [];
    for (const L of SCALING_LENGTHS) byL.push(await point(SCALING_BASE_G, L));
    const growth = (ps: ScalingPoint[]) => {
      const a = ps[0];
      const b = ps[ps.length - 1];
      return round(b.update_ms / a.update_ms / (b.tokens / a.tokens), 2);
    };
    return {
      B: preset.B,
      prompt: SCALING_PROMPT,
      by_G: byG,
      by_length: byL,
      growth_vs_linear: { G: growth(byG), length: growth(byL) },
    };
  } finally {
    opt.dispose();
    model.dispose();
  }
}
