import * as tf from '@tensorflow/tfjs';
import { peakTensorGrowth } from '../backend/kernelHook';
import { evenRows, type MicroBatchSizer } from './microBatchSizer';
import { tokenScores } from '../model/logprobs';
import type { CausalLM } from '../model/causalLM';
import type { AdamW } from '../optim/adamw';
import { EXPLAIN_FIELDS, explainTokenLoss, type ExplainField } from '../rl/explain';
import { thinkTuningLoss, type ThinkTuningLossConfig, type TokenLossInputs } from '../rl/losses';
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
  /** The most backward passes (micro-batches) one update took: rl.gradAccum, or more to fit. */
  microBatches: number;
  perToken: TokenReadback;
}

/** A bound on what one micro-batch of an update may hold (see MicroBatchSizer). */
export interface UpdateMemory {
  budget: number;
  sizer: MicroBatchSizer;
}

/** How one mini-batch is split into micro-batches. */
interface MicroPlan {
  /** Rows per micro-batch, or null: one row first, measured, and the sizer sizes the rest. */
  rows: number | null;
  /** At most this many rows a micro-batch: ceil(n / rl.gradAccum). */
  cap: number;
  memory: UpdateMemory | null;
}

/** Per-token scores of the packed rows under the current weights, each [N, T-1]. */
export interface CurrentScores {
  logp: tf.Tensor2D;
  entropy: tf.Tensor2D;
}

const FIELDS = ['logp', 'entropy', 'clippedLow', 'clippedHigh', 'masked', 'weight'] as const;

/**
 * Runs epochs x miniBatches updates on one step's rollouts. Rows are split into contiguous
 * mini-batches; each update minimizes `thinkTuningLoss` (rl/losses.ts, the loss its tests check)
 * with AdamW, and keeps that same pass's per-token flags for the inspector. An update's gradient
 * is taken in one backward pass, or in micro-batches of rows (rl.gradAccum, or as many as a
 * memory bound needs) that give the same gradient (microBatchedLoss).
 */
export async function runUpdates(args: {
  model: CausalLM;
  optimizer: AdamW;
  packed: PackedRollouts;
  oldLogp: tf.Tensor2D; // [N, T-1]
  refLogp: tf.Tensor2D | null;
  lossConfig: ThinkTuningLossConfig;
  miniBatches: number;
  /** Micro-batches per mini-batch (rl.gradAccum): the same update in ~1/k the memory. */
  gradAccum?: number;
  /**
   * A memory bound (WASM's heap): the bytes one micro-batch's backward pass may add at its peak,
   * and the sizer that turns them into rows (it remembers its probe across these updates).
   */
  memory?: UpdateMemory | null;
  /**
   * The rows' log-probs and entropies [N, T-1] under the weights as they are now (the scoring
   * pass that gave oldLogp): the first update's micro-batches reuse them instead of a forward.
   */
  current?: CurrentScores;
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
  let mostMicroBatches = 0;
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
      const lossInputs = (logp: tf.Tensor, entropy: tf.Tensor): TokenLossInputs => ({
        logp,
        oldLogp,
        advantages: adv,
        responseMask,
        offPolicyMask,
        refLogp,
        entropy: lossConfig.entropyCoef > 0 ? entropy : undefined,
        config: lossConfig,
      });
      // the given scores hold until the first update changes the weights
      const scoresNow = (): CurrentScores | null =>
        args.current && updates === 0
          ? { logp: rows(args.current.logp), entropy: rows(args.current.entropy) }
          : null;
      const micro = Math.min(Math.max(1, Math.floor(args.gradAccum ?? 1)), n);
      // rows per micro-batch: ceil(n / rl.gradAccum), fewer where the memory budget says so
      const cap = Math.ceil(n / micro);
      const memory = args.memory ?? null;
      const fit = memory ? memory.sizer.rowsFor(tokens.shape[1], cap, memory.budget) : cap;
      const { value, grads, kept, metricTensors, microBatches } =
        fit !== null && fit >= n
          ? wholeBatchLoss(model, vars, tokens, lossInputs)
          : await microBatchedLoss(model, vars, tokens, responseMask, lossInputs, scoresNow(), {
              rows: fit === null ? null : evenRows(n, fit),
              cap,
              memory,
            });
      mostMicroBatches = Math.max(mostMicroBatches, microBatches);
      // A non-finite loss or gradient skips this update: the weights stay as they are.
      const loss = (await value.data())[0];
      const report =
        Number.isFinite(loss) && grads
          ? await optimizer.apply(grads, args.lr)
          : { gradNorm: Number.NaN, applied: false };
      const m = await lossMetricsToNumbers(metricTensors);
      m['loss/total'] = loss;
      for (const [k, v] of Object.entries(m)) sums[k] = (sums[k] ?? 0) + v;
      if (report.applied) {
        gradNormSum += report.gradNorm;
        applied++;
      }
      updates++;
      if (!report.applied) skipped++;
      if (epoch === args.epochs - 1) {
        const data = (await kept.data()) as Float32Array; // one readback per mini-batch
        FIELDS.forEach((f, k) =>
          perToken[f].set(data.subarray(k * n * Tm1, (k + 1) * n * Tm1), a * Tm1),
        );
        // The explainer's numbers: the same loss on the log-probs this pass saw (rl/explain.ts).
        const ex = tf.tidy(() => {
          const [lp, ent] = tf.unstack(kept).slice(0, 2);
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
        ...(grads ?? []),
        kept,
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
  return {
    metrics,
    gradNorm: gradNormSum / Math.max(1, applied),
    updates,
    skipped,
    microBatches: mostMicroBatches,
    perToken,
  };
}

/** One mini-batch's loss, its gradient (vars' order; null when not computed) and what it keeps. */
interface MiniBatchLoss {
  value: tf.Scalar;
  grads: tf.Tensor[] | null;
  /** [6, n, T-1]: logp, entropy and the inspector flags of FIELDS, in that order. */
  kept: tf.Tensor;
  metricTensors: LossMetricTensors;
  /** Backward passes the gradient took (1 in one pass). */
  microBatches: number;
}

/** The loss and gradient of the whole mini-batch in one pass (rl.gradAccum = 1). */
function wholeBatchLoss(
  model: CausalLM,
  vars: tf.Variable[],
  tokens: tf.Tensor2D,
  lossInputs: (logp: tf.Tensor, entropy: tf.Tensor) => TokenLossInputs,
): MiniBatchLoss {
  let kept: tf.Tensor | null = null;
  let metricTensors: LossMetricTensors | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const { logp, entropy } = tokenScores(model, tokens);
    // Dr. GRPO's divisor is lossConfig.maxResponseLength: never T, which counts the prompt.
    const out = thinkTuningLoss(lossInputs(logp, entropy), { flags: true });
    metricTensors = keepMetrics(out.metrics);
    const f = out.flags!;
    kept = tf.keep(tf.stack([logp, entropy, f.clippedLow, f.clippedHigh, f.masked, f.weight]));
    return out.loss;
  }, vars);
  return {
    value,
    grads: vars.map((v) => grads[v.name]),
    kept: kept!,
    metricTensors: metricTensors!,
    microBatches: 1,
  };
}

/**
 * The same loss and gradient in `micro` micro-batches of rows, exact for every aggregation and
 * normaliser: the loss depends on the weights only through the per-token log-probs (and
 * entropies), so by the chain rule
 *   dL/dθ = sum_j sum_t (dL/dlogp_jt · dlogp_jt/dθ + dL/dH_jt · dH_jt/dθ).
 * Pass 1 scores every micro-batch without a tape; the loss, its metrics and flags and dL/dlogp
 * (and dL/dH) then come from the whole mini-batch's [n, T-1] scores, exactly as in one pass;
 * pass 2 backpropagates sum(dL/dlogp_j · logp_j + dL/dH_j · H_j) one micro-batch at a time and
 * sums the gradients. Peak memory: one micro-batch's activations; cost: one extra forward,
 * none when `current` holds the rows' scores under these weights (the trainer's scoring pass;
 * this function disposes them).
 */
async function microBatchedLoss(
  model: CausalLM,
  vars: tf.Variable[],
  tokens: tf.Tensor2D,
  responseMask: tf.Tensor2D,
  lossInputs: (logp: tf.Tensor, entropy: tf.Tensor) => TokenLossInputs,
  current: CurrentScores | null,
  plan: MicroPlan,
): Promise<MiniBatchLoss> {
  const [n, T] = tokens.shape;
  const spans: Array<[number, number]> = [];
  const scoreRows = plan.rows ?? plan.cap; // pass 1 keeps no tape: any split serves
  for (let a = 0; a < n; a += scoreRows) spans.push([a, Math.min(scoreRows, n - a)]);
  const slice = (t: tf.Tensor2D, [a, k]: [number, number]) => t.slice([a, 0], [k, t.shape[1]]);

  // pass 1: scores of every micro-batch, no tape (or the given scores of the same weights)
  let logp: tf.Tensor;
  let entropy: tf.Tensor;
  if (current) {
    ({ logp, entropy } = current); // ours: disposed below with pass 1's own
  } else {
    const parts = spans.map((span) =>
      tf.tidy(() => {
        const s = tokenScores(model, slice(tokens, span) as tf.Tensor2D);
        return tf.stack([s.logp, s.entropy]);
      }),
    );
    const scores = tf.concat(parts, 1); // [2, n, T-1]
    tf.dispose(parts);
    [logp, entropy] = tf.unstack(scores);
    scores.dispose();
  }

  // the whole mini-batch's loss as a function of its scores: value, metrics, flags, dL/dscores
  const withEntropy = lossInputs(logp, entropy).entropy !== undefined;
  let kept: tf.Tensor | null = null;
  let metricTensors: LossMetricTensors | null = null;
  const { value, grads: upstream } = tf.valueAndGrads((lp: tf.Tensor, ent?: tf.Tensor) => {
    const out = thinkTuningLoss(lossInputs(lp, ent ?? entropy), { flags: true });
    metricTensors = keepMetrics(out.metrics);
    const f = out.flags!;
    kept = tf.keep(tf.stack([logp, entropy, f.clippedLow, f.clippedHigh, f.masked, f.weight]));
    return out.loss;
  })(withEntropy ? [logp, entropy] : [logp]);
  tf.dispose([logp, entropy]);

  let sum: tf.Tensor[] | null = null;
  let microBatches = 0;
  if (Number.isFinite((await value.data())[0])) {
    // pass 2: sum_j grad of sum(dL/dlogp_j · logp_j + dL/dH_j · H_j), one micro-batch at a time
    const backprop = (span: [number, number]) => {
      const { value: surrogate, grads } = tf.variableGrads(() => {
        const s = tokenScores(model, slice(tokens, span) as tf.Tensor2D);
        const valid = tf.greater(slice(responseMask, span), 0);
        const dot = (g: tf.Tensor, x: tf.Tensor) =>
          tf.sum(tf.where(valid, tf.mul(slice(g as tf.Tensor2D, span), x), tf.zeros(x.shape)));
        const f = dot(upstream[0], s.logp);
        return (upstream[1] ? tf.add(f, dot(upstream[1], s.entropy)) : f) as tf.Scalar;
      }, vars);
      surrogate.dispose();
      return vars.map((v) => grads[v.name]);
    };
    // Unsized: one row goes first, its peak is measured, and the sizer sizes the rest.
    let size = plan.rows ?? 1;
    for (let a = 0; a < n;) {
      const span: [number, number] = [a, Math.min(size, n - a)];
      const probing = plan.rows === null && a === 0;
      const { out: g, bytes } = probing
        ? peakTensorGrowth(() => backprop(span))
        : { out: backprop(span), bytes: 0 };
      if (probing && plan.memory) {
        plan.memory.sizer.record(bytes, T);
        size = evenRows(n - 1, plan.memory.sizer.rowsFor(T, plan.cap, plan.memory.budget)!);
      }
      a += span[1];
      microBatches++;
      if (sum === null) sum = g;
      else {
        const prev: tf.Tensor[] = sum;
        sum = prev.map((t, i) => tf.add(t, g[i]));
        tf.dispose([...prev, ...g]);
      }
    }
  }
  tf.dispose(upstream);
  return {
    value: value as tf.Scalar,
    grads: sum,
    kept: kept!,
    metricTensors: metricTensors!,
    microBatches,
  };
}
