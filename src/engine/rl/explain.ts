/**
 * Per-token numbers for the formula explainer (contract/explainer.ts), computed by the same loss
 * the trainer minimises (losses.ts): each token's loss term, which branch and case it took, the
 * aggregation's weight on it, and d(aggregated loss)/d logp by tf.grad — not re-derived by hand.
 */
import * as tf from '@tensorflow/tfjs';
import { getAggregation } from './aggregation';
import { thinkTuningTokenLoss, type TokenLossInputs } from './losses';

/** [N, T] float tensors (0/1 for flags) plus the aggregated loss. Caller disposes. */
export interface TokenExplainTensors {
  /** Total per-token loss (policy + KL + entropy), 0 outside the effective mask. */
  perTokenLoss: tf.Tensor;
  /** d loss / d perTokenLoss: the aggregation's weight on each token. */
  aggWeight: tf.Tensor;
  /** d loss / d logp (tf.grad through thinkTuningTokenLoss and the aggregation). */
  gradLogp: tf.Tensor;
  prob: tf.Tensor;
  offPolicy: tf.Tensor;
  masked: tf.Tensor;
  routedToPpo: tf.Tensor;
  clippedLow: tf.Tensor;
  clippedHigh: tf.Tensor;
  dualClipped: tf.Tensor;
  fallback: tf.Tensor;
  weight: tf.Tensor;
  /** 1 where the token is in the aggregation's normaliser. */
  normaliserMask: tf.Tensor;
  loss: tf.Scalar;
}

/**
 * Explains one loss evaluation. `inputs.logp` is taken as a constant (pass the values the update
 * saw); the gradient is taken with respect to it.
 */
export function explainTokenLoss(inputs: TokenLossInputs): TokenExplainTensors {
  const aggregate = getAggregation(inputs.config.aggregation);
  const params = { maxResponseLength: inputs.config.maxResponseLength };
  return tf.tidy(() => {
    const t = thinkTuningTokenLoss(inputs);
    const mask = t.normaliserMask;
    const loss = aggregate(t.perTokenLoss, mask, params);
    // weight of each token in the aggregate: d agg(L, m) / d L_t (linear in L)
    const aggWeight = tf.grad((l: tf.Tensor) => aggregate(l, mask, params))(t.perTokenLoss);
    // dL/dlogp through the whole token loss and its aggregation
    const gradLogp = tf.grad((lp: tf.Tensor) => {
      const u = thinkTuningTokenLoss({ ...inputs, logp: lp });
      return aggregate(u.perTokenLoss, u.normaliserMask, params);
    })(inputs.logp);
    const f = t.flags;
    return {
      perTokenLoss: t.perTokenLoss,
      aggWeight,
      gradLogp,
      prob: f.prob,
      offPolicy: f.offPolicy,
      masked: f.masked,
      routedToPpo: f.routedToPpo,
      clippedLow: f.clippedLow,
      clippedHigh: f.clippedHigh,
      dualClipped: f.dualClipped,
      fallback: f.fallback,
      weight: f.weight,
      normaliserMask: mask,
      loss,
    };
  });
}

/** The per-token fields of {@link TokenExplainTensors}, in a fixed order for one readback. */
export const EXPLAIN_FIELDS = [
  'perTokenLoss',
  'aggWeight',
  'gradLogp',
  'prob',
  'offPolicy',
  'routedToPpo',
  'dualClipped',
  'fallback',
] as const;

export type ExplainField = (typeof EXPLAIN_FIELDS)[number];
