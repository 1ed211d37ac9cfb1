/**
 * Off-policy branch: shaped objectives for teacher-written tokens (no ratio against pi_old).
 *
 * Every shaping returns a per-token "shaped probability" s; the loss is L = -A * s and the
 * gradient is dL/dlogp = -A * weight.
 *
 * 'thinktuning' (ThinkTuning, arXiv 2508.07616):
 *   s = p / (sg(p) + gamma(A)),  gamma(A) = gammaScale * A   →  weight = p / (p + gamma)
 *   For A > 0, gamma > 0 and the step is a little smaller than plain policy gradient; for A < 0
 *   a little larger.
 *   Fallback, read from the reference code (recipe/thinktuning/core_algos.py):
 *     D = sg(p) + gamma
 *     D = where(D < 0, sg(p) / 1.0001, D)
 *     D = where(D > 1, sg(p) / 0.9999, D)
 *   i.e. when D leaves (0, 1] the DENOMINATOR becomes sg(p) divided by 1.0001 (D <= 0) or by
 *   0.9999 (D > 1), so s = 1.0001 * p/sg(p) (value 1.0001, weight 1.0001: A<0 side, slightly
 *   larger than plain PG) or s = 0.9999 * p/sg(p) (value and weight 0.9999: A>0 side, slightly
 *   smaller). It is NOT "L = -A*p/1.0001". D == 0 exactly is treated as outside (the reference
 *   would divide by zero there). We compute c * p/sg(p) as c * exp(logp - sg(logp)), which is
 *   the same value and gradient and stays finite when p underflows to 0.
 * 'reference-as-coded': as 'thinktuning' but gamma = referenceGamma (-0.001) for every token,
 *   reproducing `torch.clamp(gamma, 0.001, -0.001)` in the reference (min > max → constant max).
 * 'luffy' (LUFFY, arXiv 2504.14945): s = p / (p + luffyGamma) WITHOUT stop-gradient
 *   → weight = luffyGamma * p / (p + luffyGamma)^2 (favours rare tokens). No fallback.
 *
 * Stop-gradient is `stopGradient` (a tf.customGrad that cuts the tape), see stop-gradient.ts.
 * All tensors are [N, T]; nothing here masks.
 */
import * as tf from '@tensorflow/tfjs';
import { asFloat } from './masked-reductions';
import { lookupVariant } from './registry';
import { stopGradient } from './stop-gradient';

/** Names of the off-policy shapings. */
export type OffPolicyShapingName = 'thinktuning' | 'luffy' | 'reference-as-coded';

/** Numbers the shapings read. */
export interface ShapingParams {
  /** thinktuning: gamma(A) = gammaScale * A. Paper: 0.00025. */
  gammaScale: number;
  /**
   * thinktuning: clamp gamma to [-gammaLimit, gammaLimit] (the reference's intent, 0.001), or
   * null for the unclamped formula of the method description (default).
   */
  gammaLimit: number | null;
  /** reference-as-coded: the constant gamma every token gets. Reference (as coded): -0.001. */
  referenceGamma: number;
  /** luffy: f(p) = p / (p + luffyGamma). LUFFY: 0.1. */
  luffyGamma: number;
}

/** Denominator replacements when sg(p) + gamma leaves (0, 1] (see file comment). */
export const FALLBACK_DIVISOR_NONPOSITIVE = 1.0001;
export const FALLBACK_DIVISOR_ABOVE_ONE = 0.9999;

/** Per-token terms of the off-policy branch, all [N, T]. */
export type ShapedTokenTerms = {
  /** s, with L = -A * s. */
  shaped: tf.Tensor;
  /** w with dL/dlogp = -A * w (a constant, for the inspector and metrics). */
  weight: tf.Tensor;
  /** 1.0 where the (0, 1] fallback replaced the denominator, else 0. */
  fallback: tf.Tensor;
};

/** A shaping maps (logp, A) [N, T] to the shaped terms. */
export type OffPolicyShaping = (
  logp: tf.Tensor,
  advantages: tf.Tensor,
  params: ShapingParams,
) => ShapedTokenTerms;

/**
 * s = p / D with D = sg(p) + gamma when D in (0, 1], else D = sg(p)/1.0001 (D <= 0) or
 * sg(p)/0.9999 (D > 1). `gamma` is a constant [N, T] tensor.
 */
export function stopGradShapedRatio(logp: tf.Tensor, gamma: tf.Tensor): ShapedTokenTerms {
  const p = tf.exp(logp); // p = pi_theta(token), differentiable
  const sgP = stopGradient(p);
  const denom = tf.add(sgP, gamma); // D = sg(p) + gamma
  const nonPositive = tf.lessEqual(denom, 0);
  const inRange = tf.logicalAnd(tf.logicalNot(nonPositive), tf.lessEqual(denom, 1));
  const safeDenom = tf.where(inRange, denom, tf.onesLike(denom)); // keeps the unused branch finite
  // Fallback D = sg(p)/d gives s = d * p/sg(p) with d = 1.0001 (D <= 0) or 0.9999 (D > 1).
  const d = tf.where(
    nonPositive,
    tf.fill(denom.shape, FALLBACK_DIVISOR_NONPOSITIVE),
    tf.fill(denom.shape, FALLBACK_DIVISOR_ABOVE_ONE),
  );
  const shapedInRange = tf.div(p, safeDenom); // p / (sg(p) + gamma)
  const shapedFallback = tf.mul(d, tf.exp(tf.sub(logp, stopGradient(logp)))); // d * p/sg(p)
  return {
    shaped: tf.where(inRange, shapedInRange, shapedFallback),
    weight: tf.where(inRange, tf.div(sgP, safeDenom), d),
    fallback: asFloat(tf.logicalNot(inRange)),
  };
}

export const OFF_POLICY_SHAPINGS: Record<OffPolicyShapingName, OffPolicyShaping> = {
  // L = -A * p / (sg(p) + gammaScale*A)              (ThinkTuning, arXiv 2508.07616)
  thinktuning: (logp, adv, params) => {
    let gamma = tf.mul(adv, params.gammaScale);
    if (params.gammaLimit !== null) {
      gamma = tf.minimum(tf.maximum(gamma, -params.gammaLimit), params.gammaLimit);
    }
    return stopGradShapedRatio(logp, gamma);
  },
  // L = -A * p / (sg(p) - 0.001)                     (reference code's effective constant gamma)
  'reference-as-coded': (logp, _adv, params) =>
    stopGradShapedRatio(logp, tf.fill(logp.shape, params.referenceGamma)),
  // L = -A * p / (p + 0.1), no stop-gradient         (LUFFY, arXiv 2504.14945)
  luffy: (logp, _adv, params) => {
    const g = params.luffyGamma;
    const p = tf.exp(logp);
    const pPlusG = tf.add(p, g);
    return {
      shaped: tf.div(p, pPlusG),
      weight: tf.div(tf.mul(stopGradient(p), g), tf.square(stopGradient(pPlusG))), // g*p/(p+g)^2
      fallback: tf.zeros(p.shape),
    };
  },
};

/** The shaping registered under `name`; throws listing valid names otherwise. */
export function getOffPolicyShaping(name: string): OffPolicyShaping {
  return lookupVariant(OFF_POLICY_SHAPINGS, 'off-policy shaping', name);
}
