import * as tf from '@tensorflow/tfjs';
import { tokenScores } from '../model/logprobs';
import type { CausalLM } from '../model/causalLM';
import type { AdamW } from '../optim/adamw';
import { EXPLAIN_FIELDS, explainTokenLoss, type ExplainField } from '../rl/explain';
import { thinkTuningLoss, type ThinkTuningLossConfig } from '../rl/losses';
import { keepMetrics, lossMetricsToNumbers, type LossMetricTensors } from '../rl/metrics';
import type { PackedRollouts } from './pack';

/** Per-token values read back after the last epoch, each [N * (T-1)] row-major. */
export interface TokenReadback {
  logp: Float32Array;
  entropy: Float32Array;
  clippedLow: Float32Array;
  clippedHigh: Float32Array;
  masked: Float32Array;
  weight: Float32Array;
  /** The formula explainer's per-token numbers (rl/explain.ts), same layout. */
  explain: Record<ExplainField, Float32Array>;
  /** Per row: the last epoch's mini-batch (0-based) and that mini-batch's aggregated loss. */
  rowMiniBatch: number[];
  rowBatchLoss: number[];
}

export interface UpdateReport {
  /** Loss metrics averaged over the updates of this step. */
  metrics: Record<string, number>;
  gradNorm: number;
  updates: number;
  /** Updates skipped for a non-finite loss or gradient (weights unchanged by them). */
  skipped: number;
  perToken: TokenReadback;
}

const FIELDS = ['logp', 'entropy', 'clippedLow', 'clippedHigh', 'masked', 'weight'] as const;

/**
 * Runs epochs x miniBatches updates on one step's rollouts. Rows are split into contiguous
 * mini-batches; each update minimizes `thinkTuningLoss` (rl/losses.ts, the loss its tests check)
 * with AdamW, and keeps that same pass's per-token flags for the inspector.
 */
export async function runUpdates(args: {
  model: CausalLM;
  optimizer: AdamW;
  packed: PackedRollouts;
  oldLogp: tf.Tensor2D; // [N, T-1]
  refLogp: tf.Tensor2D | null;
  lossConfig: ThinkTuningLossConfig;
  miniBatches: number;
  epochs: number;
  lr: number;
}): Promise<UpdateReport> {
  const { model, optimizer, packed, lossConfig } = args;
  const N = packed.tokens.shape[0];
  const Tm1 = packed.length - 1;
  const vars = model.variables();
  const chunks = Math.min(args.miniBatches, N);
  const per = Math.ceil(N / chunks);
  const sums: Record<string, number> = {};
  let updates = 0;
  let skipped = 0;
  let applied = 0;
  let gradNormSum = 0;
  const perToken = Object.fromEntries(
    FIELDS.map((f) => [f, new Float32Array(N * Tm1)]),
  ) as unknown as TokenReadback;
  perToken.explain = Object.fromEntries(
    EXPLAIN_FIELDS.map((f) => [f, new Float32Array(N * Tm1)]),
  ) as Record<ExplainField, Float32Array>;
  perToken.rowMiniBatch = new Array<number>(N).fill(-1);
  perToken.rowBatchLoss = new Array<number>(N).fill(Number.NaN);

  for (let epoch = 0; epoch < args.epochs; epoch++) {
    for (let c = 0; c < chunks; c++) {
      const a = c * per;
      const n = Math.min(per, N - a);
      if (n <= 0) break;
      const rows = <T extends tf.Tensor>(t: T) => t.slice([a, 0], [n, t.shape[1]!]) as T;
      const tokens = rows(packed.tokens);
      const responseMask = rows(packed.responseMask);
      const offPolicyMask = rows(packed.offPolicyMask);
      const oldLogp = rows(args.oldLogp);
      const refLogp = args.refLogp ? rows(args.refLogp) : undefined;
      const adv = rows(packed.advantages); // [n, T-1] per-token advantages
      let kept: tf.Tensor | null = null;
      let metricTensors: LossMetricTensors | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const { logp, entropy } = tokenScores(model, tokens);
        // Dr. GRPO's divisor is lossConfig.maxResponseLength: never T, which counts the prompt.
        const out = thinkTuningLoss(
          {
            logp,
            oldLogp,
            advantages: adv,
            responseMask,
            offPolicyMask,
            refLogp,
            entropy: lossConfig.entropyCoef > 0 ? entropy : undefined,
            config: lossConfig,
          },
          { flags: true },
        );
        metricTensors = keepMetrics(out.metrics);
        const f = out.flags!;
        kept = tf.keep(tf.stack([logp, entropy, f.clippedLow, f.clippedHigh, f.masked, f.weight]));
        return out.loss;
      }, vars);
      // A non-finite loss or gradient skips this update: the weights stay as they are.
      const loss = (await value.data())[0];
      const report = Number.isFinite(loss)
        ? await optimizer.apply(
            vars.map((v) => grads[v.name]),
            args.lr,
          )
        : { gradNorm: Number.NaN, applied: false };
      const m = await lossMetricsToNumbers(metricTensors!);
      m['loss/total'] = loss;
      for (const [k, v] of Object.entries(m)) sums[k] = (sums[k] ?? 0) + v;
      if (report.applied) {
        gradNormSum += report.gradNorm;
        applied++;
      }
      updates++;
      if (!report.applied) skipped++;
      if (epoch === args.epochs - 1) {
        const data = (await kept!.data()) as Float32Array; // one readback per mini-batch
        FIELDS.forEach((f, k) =>
          perToken[f].set(data.subarray(k * n * Tm1, (k + 1) * n * Tm1), a * Tm1),
        );
        // The explainer's numbers: the same loss on the log-probs this pass saw (rl/explain.ts).
        const ex = tf.tidy(() => {
          const [lp, ent] = tf.unstack(kept!).slice(0, 2);
          const e = explainTokenLoss({
            logp: lp,
            oldLogp,
            advantages: adv,
            responseMask,
            offPolicyMask,
            refLogp,
            entropy: lossConfig.entropyCoef > 0 ? ent : undefined,
            config: lossConfig,
          });
          return tf.stack(EXPLAIN_FIELDS.map((f) => e[f]));
        });
        const exData = (await ex.data()) as Float32Array;
        ex.dispose();
        EXPLAIN_FIELDS.forEach((f, k) =>
          perToken.explain[f].set(exData.subarray(k * n * Tm1, (k + 1) * n * Tm1), a * Tm1),
        );
        for (let r = a; r < a + n; r++) {
          perToken.rowMiniBatch[r] = c;
          perToken.rowBatchLoss[r] = loss;
        }
      }
      tf.dispose([
        value,
        ...Object.values(grads),
        kept!,
        tokens,
        responseMask,
        offPolicyMask,
        oldLogp,
        adv,
      ]);
      if (refLogp) refLogp.dispose();
    }
  }
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) metrics[k] = v / Math.max(1, updates);
  // grad_norm averages the applied updates (a skipped one has a NaN/Inf norm).
  return { metrics, gradNorm: gradNormSum / Math.max(1, applied), updates, skipped, perToken };
}
