/**
 * On-policy branch: PPO clipped surrogate per token (arXiv 1707.06347) with asymmetric clip
 * ranges (DAPO "clip-higher", arXiv 2503.14476) and dual clip for negative advantages
 * (arXiv 1912.09729), as in verl `compute_policy_loss`.
 *
 * All tensors are [N, T] (N sequences x T response tokens); advantages already broadcast.
 * Nothing here masks: the caller selects which tokens use this branch.
 */
import * as tf from '@tensorflow/tfjs';
import { asFloat } from './masked-reductions';
import { stopGradient } from './stop-gradient';

/** Clip settings of the PPO branch. */
export interface PpoClipConfig {
  /** Ratio floor is 1 - clipEpsLow (binds when A < 0). Reference 0.2. */
  clipEpsLow: number;
  /** Ratio ceiling is 1 + clipEpsHigh (binds when A > 0). Reference 0.2. */
  clipEpsHigh: number;
  /** Dual-clip constant c > 1: for A < 0 the loss is capped at -c*A. null disables. Reference 3. */
  dualClipC: number | null;
}

/** Per-token terms of the PPO branch, all [N, T]. Flags are float 0/1. */
export type PpoTokenTerms = {
  /** Per-token loss L. */
  loss: tf.Tensor;
  /** r = exp(logp - oldLogp) (log-ratio clamped to [-20, 20] as in verl). */
  ratio: tf.Tensor;
  /** A < 0 and r < 1 - eps_low (TRL `is_low_clipped`): no gradient. */
  clippedLow: tf.Tensor;
  /** A > 0 and r > 1 + eps_high (TRL `is_high_clipped`): no gradient. */
  clippedHigh: tf.Tensor;
  /** A < 0 and the dual cap -c*A is active (verl `pg_clipfrac_lower`): no gradient. */
  dualClipped: tf.Tensor;
  /** w with dL/dlogp = -A*w: r where the gradient flows, 0 where any clip is active. */
  weight: tf.Tensor;
};

/** Bound on |logp - oldLogp| before exp, so exp cannot overflow (verl clamps to +-20 too). */
export const LOG_RATIO_LIMIT = 20;

/** Checks the clip settings; throws on values that make the surrogate meaningless. */
export function validatePpoClipConfig(cfg: PpoClipConfig): void {
  if (!(cfg.clipEpsLow >= 0 && cfg.clipEpsLow < 1)) {
    throw new Error(`clipEpsLow must be in [0, 1), got ${cfg.clipEpsLow}`);
  }
  if (!(cfg.clipEpsHigh >= 0)) throw new Error(`clipEpsHigh must be >= 0, got ${cfg.clipEpsHigh}`);
  if (cfg.dualClipC !== null && !(cfg.dualClipC > 1)) {
    throw new Error(`dualClipC must be > 1 or null, got ${cfg.dualClipC}`);
  }
}

/**
 * PPO clipped surrogate with dual clip.
 * @param logp [N, T] log pi_theta(token), differentiable.
 * @param oldLogp [N, T] log pi_old(token), constant.
 * @param advantages [N, T] A per token, constant.
 */
export function ppoClippedSurrogate(
  logp: tf.Tensor,
  oldLogp: tf.Tensor,
  advantages: tf.Tensor,
  cfg: PpoClipConfig,
): PpoTokenTerms {
  const lo = 1 - cfg.clipEpsLow;
  const hi = 1 + cfg.clipEpsHigh;
  const logRatio = tf.minimum(tf.maximum(tf.sub(logp, oldLogp), -LOG_RATIO_LIMIT), LOG_RATIO_LIMIT);
  const ratio = tf.exp(logRatio); // r = pi_theta / pi_old
  const negAdv = tf.neg(advantages);
  const unclipped = tf.mul(negAdv, ratio); // -A * r
  const clipped = tf.mul(negAdv, tf.minimum(tf.maximum(ratio, lo), hi)); // -A * clip(r, 1-eps_low, 1+eps_high)
  const clipLoss = tf.maximum(unclipped, clipped); // L = -min(r*A, clip(r)*A)

  // Flags are computed from constants (sg) so no gradient-less comparison sits on the tape.
  const advC = stopGradient(advantages);
  const ratioC = stopGradient(ratio);
  const advNeg = tf.less(advC, 0);
  const clippedLow = tf.logicalAnd(advNeg, tf.less(ratioC, lo));
  const clippedHigh = tf.logicalAnd(tf.greater(advC, 0), tf.greater(ratioC, hi));

  let loss = clipLoss;
  let dualClipped = tf.zerosLike(advNeg); // bool false
  if (cfg.dualClipC !== null) {
    const cap = tf.mul(negAdv, cfg.dualClipC); // -c * A
    loss = tf.where(advNeg, tf.minimum(clipLoss, cap), clipLoss); // A<0: L = min(L, -c*A)
    dualClipped = tf.logicalAnd(advNeg, tf.greater(stopGradient(clipLoss), cap));
  }
  const noGrad = tf.logicalOr(tf.logicalOr(clippedLow, clippedHigh), dualClipped);
  return {
    loss,
    ratio,
    clippedLow: asFloat(clippedLow),
    clippedHigh: asFloat(clippedHigh),
    dualClipped: asFloat(dualClipped),
    weight: tf.where(noGrad, tf.zerosLike(ratioC), ratioC),
  };
}
