/**
 * The ThinkTuning token loss (arXiv 2508.07616), with plain GRPO as the special case
 * offPolicyMask = 0. Pure tensor math; the trainer owns rollouts, old log-probs and the step.
 *
 * Per valid response token (p = pi_theta(token), r = p / pi_old(token)):
 *   student token        → PPO clipped surrogate with dual clip        (ppo-surrogate.ts)
 *   teacher token        → shaped off-policy objective L = -A * s(p)   (off-policy-shaping.ts)
 *   teacher token, A < 0 and p < tau ("low-confidence negative")
 *                        → 'drop': masked out, zero gradient (slides, default)
 *                          'ppo' : PPO branch with the old log-prob (reference code)
 *   optional             + beta * k3 KL to a frozen reference, - coef * entropy
 * then aggregated to a scalar (aggregation.ts) over the normaliser mask (all response tokens, as
 * verl does, or only the tokens that carry a loss: `droppedInNormaliser`).
 *
 * Which teacher tokens count as off-policy (guidance only vs the whole guided response) is
 * decided by whoever builds `offPolicyMask`.
 *
 * Shapes: N sequences x T response tokens. Padded positions (responseMask = 0) may hold any
 * value, even -Inf: inputs are replaced by 0 there with `where` before any math, and every
 * branch only sees the tokens it owns, so no NaN reaches the loss or its gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { type AggregationName, getAggregation } from './aggregation';
import { asFloat, maskedMean } from './masked-reductions';
import { type LossMetricTensors, type TokenMetricTensors } from './metrics';
import {
  type OffPolicyShapingName,
  type ShapingParams,
  getOffPolicyShaping,
} from './off-policy-shaping';
import { type PpoClipConfig, ppoClippedSurrogate, validatePpoClipConfig } from './ppo-surrogate';
import { lookupVariant } from './registry';
import { entropyBonus, klK3 } from './regularizers';
import { stopGradient } from './stop-gradient';

/** What happens to low-confidence negative teacher tokens. */
export type LowConfidenceHandling = 'drop' | 'ppo';

export const LOW_CONFIDENCE_HANDLINGS: Record<LowConfidenceHandling, { routeToPpo: boolean }> = {
  drop: { routeToPpo: false }, // slides: masked, so their probability is not pushed down further
  ppo: { routeToPpo: true }, // reference code: on-policy PPO branch against the old log-prob
};

/** Every setting of the loss (flat; PPO and shaping fields documented where they are used). */
export interface ThinkTuningLossConfig extends PpoClipConfig, ShapingParams {
  /** Off-policy shaping for teacher tokens. Default 'thinktuning'. */
  shaping: OffPolicyShapingName;
  /** Low-confidence threshold: teacher tokens with A < 0 and p < tau. Slides: 0.01. 0 disables. */
  lowConfidenceTau: number;
  /** 'drop' (slides, default) or 'ppo' (reference code). */
  lowConfidenceHandling: LowConfidenceHandling;
  /**
   * Whether dropped low-confidence tokens still count in the aggregation's normaliser (with a
   * loss of 0). Reference reading: yes — verl aggregates with `agg_loss(loss, response_mask)`, so
   * a token whose loss is zeroed still counts in token-mean's denominator. false: only the tokens
   * that carry a loss are counted (the mean over effective tokens).
   */
  droppedInNormaliser: boolean;
  /** How per-token losses become a scalar. Reference: 'token-mean'. */
  aggregation: AggregationName;
  /**
   * Fixed max response length, the Dr. GRPO divisor of 'seq-mean-token-sum-norm' (verl's
   * data.max_response_length; the lab's rl.maxNewTokens). Never the batch's T. Ref: 1024.
   */
  maxResponseLength: number;
  /** KL-to-reference coefficient beta; 0 (reference) skips the penalty. */
  klBeta: number;
  /** Entropy bonus coefficient; 0 (reference) skips it. */
  entropyCoef: number;
}

/** The reference recipe's values (ThinkTuning, Llama-3.2-3B, GSM8K). */
export const DEFAULT_THINKTUNING_LOSS_CONFIG: ThinkTuningLossConfig = {
  clipEpsLow: 0.2,
  clipEpsHigh: 0.2,
  dualClipC: 3,
  shaping: 'thinktuning',
  gammaScale: 0.00025,
  gammaLimit: null,
  referenceGamma: -0.001,
  luffyGamma: 0.1,
  lowConfidenceTau: 0.01,
  lowConfidenceHandling: 'drop',
  droppedInNormaliser: true,
  aggregation: 'token-mean',
  maxResponseLength: 1024,
  klBeta: 0,
  entropyCoef: 0,
};

/** Inputs of the token loss. */
export interface TokenLossInputs {
  /** [N, T] log pi_theta of each sampled/teacher token; the only differentiable input. */
  logp: tf.Tensor;
  /** [N, T] log pi_old recomputed by the student before the update (teacher tokens too). */
  oldLogp: tf.Tensor;
  /** [N] per-sequence or [N, T] per-token advantages. */
  advantages: tf.Tensor;
  /** [N, T] float 1 for valid response tokens, 0 for padding. */
  responseMask: tf.Tensor;
  /** [N, T] float 1 for teacher-written (off-policy) tokens; all 0 gives plain GRPO. */
  offPolicyMask: tf.Tensor;
  /** [N, T] log pi_ref of a frozen reference; required when klBeta > 0. */
  refLogp?: tf.Tensor;
  /** [N, T] per-token entropy of pi_theta (may carry gradient); required when entropyCoef > 0. */
  entropy?: tf.Tensor;
  config: ThinkTuningLossConfig;
}

/** Per-token flags for the inspector, all [N, T] float (0/1 unless noted). */
export type TokenLossFlags = {
  /** Teacher token (valid and offPolicyMask = 1). */
  offPolicy: tf.Tensor;
  /** Low-confidence negative teacher token dropped from the loss ('drop'). */
  masked: tf.Tensor;
  /** Low-confidence negative teacher token routed to PPO ('ppo'). */
  routedToPpo: tf.Tensor;
  /** PPO token, A < 0 and r < 1 - eps_low. */
  clippedLow: tf.Tensor;
  /** PPO token, A > 0 and r > 1 + eps_high. */
  clippedHigh: tf.Tensor;
  /** PPO token with the dual-clip cap active. */
  dualClipped: tf.Tensor;
  /** Shaped token whose denominator sg(p)+gamma left (0, 1]. */
  fallback: tf.Tensor;
  /**
   * Real-valued w with d loss / d logp = -A * w: p/(p+gamma) (thinktuning),
   * 0.1p/(p+0.1)^2 (luffy), r for unclipped PPO tokens, 0 for clipped or ineffective tokens.
   */
  weight: tf.Tensor;
  /** Real-valued p = exp(logp) on valid tokens, 0 elsewhere. */
  prob: tf.Tensor;
};

/** Output of {@link thinkTuningTokenLoss}. */
export type TokenLossOutput = {
  /** [N, T] total per-token loss (policy + KL + entropy terms), exactly 0 outside effectiveMask. */
  perTokenLoss: tf.Tensor;
  /** [N, T] policy part alone (PPO or shaped), 0 outside effectiveMask. */
  perTokenPolicyLoss: tf.Tensor;
  /** [N, T] beta * k3 part (zeros when klBeta = 0). */
  perTokenKlPenalty: tf.Tensor;
  /** [N, T] -coef * entropy part (zeros when entropyCoef = 0). */
  perTokenEntropyBonus: tf.Tensor;
  /** [N, T] float: valid tokens minus dropped low-confidence tokens. */
  effectiveMask: tf.Tensor;
  /**
   * [N, T] float: the tokens the aggregation divides by — every valid response token when
   * `droppedInNormaliser` (reference), else `effectiveMask`.
   */
  normaliserMask: tf.Tensor;
  flags: TokenLossFlags;
  metrics: TokenMetricTensors;
};

/** Throws on settings that are out of range or names that are not registered. */
export function validateLossConfig(config: ThinkTuningLossConfig): void {
  validatePpoClipConfig(config);
  getOffPolicyShaping(config.shaping);
  getAggregation(config.aggregation);
  lookupVariant(LOW_CONFIDENCE_HANDLINGS, 'low-confidence handling', config.lowConfidenceHandling);
  const nonNegative: Array<[string, number]> = [
    ['lowConfidenceTau', config.lowConfidenceTau],
    ['klBeta', config.klBeta],
    ['entropyCoef', config.entropyCoef],
  ];
  for (const [name, v] of nonNegative) {
    if (!(v >= 0)) throw new Error(`${name} must be >= 0, got ${v}`);
  }
  if (!(config.maxResponseLength > 0)) {
    throw new Error(`maxResponseLength must be > 0, got ${config.maxResponseLength}`);
  }
  if (!(config.luffyGamma > 0)) throw new Error(`luffyGamma must be > 0, got ${config.luffyGamma}`);
  if (config.gammaLimit !== null && !(config.gammaLimit >= 0)) {
    throw new Error(`gammaLimit must be >= 0 or null, got ${config.gammaLimit}`);
  }
}

function assertShape(name: string, t: tf.Tensor, shape: readonly number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${name} has shape [${t.shape}], expected [${shape}]`);
  }
}

function validateInputs(inputs: TokenLossInputs): void {
  const { logp, config } = inputs;
  if (logp.rank !== 2) throw new Error(`logp must be [N, T], got shape [${logp.shape}]`);
  const [n, t] = logp.shape;
  assertShape('oldLogp', inputs.oldLogp, [n, t]);
  assertShape('responseMask', inputs.responseMask, [n, t]);
  assertShape('offPolicyMask', inputs.offPolicyMask, [n, t]);
  if (inputs.advantages.rank === 1) assertShape('advantages', inputs.advantages, [n]);
  else assertShape('advantages', inputs.advantages, [n, t]);
  if (inputs.refLogp) assertShape('refLogp', inputs.refLogp, [n, t]);
  if (inputs.entropy) assertShape('entropy', inputs.entropy, [n, t]);
  if (config.klBeta > 0 && !inputs.refLogp) throw new Error('klBeta > 0 needs refLogp');
  if (config.entropyCoef > 0 && !inputs.entropy) throw new Error('entropyCoef > 0 needs entropy');
}

/**
 * Per-token ThinkTuning loss, effective mask, inspector flags and token metrics.
 * Runs in its own tf.tidy: only the returned tensors survive.
 */
export function thinkTuningTokenLoss(inputs: TokenLossInputs): TokenLossOutput {
  const { config } = inputs;
  validateLossConfig(config);
  validateInputs(inputs);
  const shaping = getOffPolicyShaping(config.shaping);
  const { routeToPpo } = LOW_CONFIDENCE_HANDLINGS[config.lowConfidenceHandling];

  return tf.tidy(() => {
    const [n, t] = inputs.logp.shape;
    // Constant inputs are detached defensively; masks are only ever computed from constants
    // (see stop-gradient.ts for why that matters in tfjs).
    const valid = tf.greater(stopGradient(inputs.responseMask), 0); // [N, T] bool
    const zeros = tf.zeros(inputs.logp.shape); // not zerosLike(logp): that would sit on the tape
    const only = (sel: tf.Tensor, x: tf.Tensor) => tf.where(sel, x, zeros); // x on sel, else 0
    const advIn = stopGradient(
      inputs.advantages.rank === 1
        ? tf.broadcastTo(tf.reshape(inputs.advantages, [n, 1]), [n, t])
        : inputs.advantages,
    );
    const adv = only(valid, advIn); // [N, T]
    const logp = only(valid, inputs.logp); // [N, T], differentiable
    const oldLogp = only(valid, stopGradient(inputs.oldLogp)); // [N, T]
    const prob = only(valid, tf.exp(stopGradient(logp))); // p (constant): masks, flags, metrics

    // ---- token routing --------------------------------------------------------------------
    const offTok = tf.logicalAnd(valid, tf.greater(stopGradient(inputs.offPolicyMask), 0));
    const lowConf = tf.logicalAnd(
      offTok,
      tf.logicalAnd(tf.less(adv, 0), tf.less(prob, config.lowConfidenceTau)),
    ); // teacher token, A < 0, p < tau
    const shapedSel = tf.logicalAnd(offTok, tf.logicalNot(lowConf));
    const studentTok = tf.logicalAnd(valid, tf.logicalNot(offTok));
    const ppoSel = routeToPpo ? tf.logicalOr(studentTok, lowConf) : studentTok;
    const dropped = routeToPpo ? tf.zerosLike(lowConf) : lowConf;
    const effective = tf.logicalOr(shapedSel, ppoSel);

    // ---- branches (each sees only its own tokens; others get logp = 0) ---------------------
    const ppo = ppoClippedSurrogate(only(ppoSel, logp), only(ppoSel, oldLogp), adv, config);
    const off = shaping(only(shapedSel, logp), adv, config);
    const offLoss = tf.mul(tf.neg(adv), off.shaped); // L = -A * s(p)
    const perTokenPolicyLoss = tf.where(shapedSel, offLoss, only(ppoSel, ppo.loss));

    // ---- regularizers ----------------------------------------------------------------------
    const kl = inputs.refLogp
      ? only(effective, klK3(logp, only(valid, stopGradient(inputs.refLogp))))
      : zeros;
    const perTokenKlPenalty = config.klBeta > 0 ? tf.mul(kl, config.klBeta) : zeros; // beta * k3
    const entropy = inputs.entropy ? only(effective, inputs.entropy) : zeros;
    const perTokenEntropyBonus =
      config.entropyCoef > 0 ? entropyBonus(entropy, config.entropyCoef) : zeros; // -coef * H
    const perTokenLoss = tf.addN([perTokenPolicyLoss, perTokenKlPenalty, perTokenEntropyBonus]);

    // ---- flags and metrics -----------------------------------------------------------------
    const ppoF = asFloat(ppoSel);
    const shapedF = asFloat(shapedSel);
    const effectiveMask = asFloat(effective);
    const flags: TokenLossFlags = {
      offPolicy: asFloat(offTok),
      masked: asFloat(dropped),
      routedToPpo: routeToPpo ? asFloat(lowConf) : tf.zerosLike(zeros),
      clippedLow: tf.mul(ppo.clippedLow, ppoF),
      clippedHigh: tf.mul(ppo.clippedHigh, ppoF),
      dualClipped: tf.mul(ppo.dualClipped, ppoF),
      fallback: tf.mul(off.fallback, shapedF),
      weight: tf.where(shapedSel, off.weight, only(ppoSel, ppo.weight)),
      prob,
    };
    const count = (x: tf.Tensor) => tf.sum(x) as tf.Scalar;
    const validF = asFloat(valid);
    const region = tf.add(flags.clippedLow, flags.clippedHigh);
    const metrics: TokenMetricTensors = {
      // verl / TRL: clipped tokens over ALL response tokens (teacher tokens count as unclipped)
      'clip_ratio/low_mean': maskedMean(flags.clippedLow, validF),
      'clip_ratio/high_mean': maskedMean(flags.clippedHigh, validF),
      'clip_ratio/region_mean': maskedMean(region, validF),
      'clip_ratio/dual_mean': maskedMean(flags.dualClipped, validF),
      // the same over the PPO branch's tokens only
      'clip_ratio/ppo_low_mean': maskedMean(flags.clippedLow, ppoF),
      'clip_ratio/ppo_high_mean': maskedMean(flags.clippedHigh, ppoF),
      'clip_ratio/ppo_region_mean': maskedMean(region, ppoF),
      'policy/ppo_kl': maskedMean(tf.sub(oldLogp, logp), ppoF),
      'policy/ratio_mean': maskedMean(ppo.ratio, ppoF),
      'offpolicy/weight_mean': maskedMean(off.weight, shapedF),
      'offpolicy/prob_mean': maskedMean(prob, shapedF),
      'offpolicy/fallback_mean': maskedMean(flags.fallback, shapedF),
      'tokens/response': count(validF),
      'tokens/effective': count(effectiveMask),
      'tokens/ppo': count(ppoF),
      'tokens/off_policy': count(flags.offPolicy),
      'tokens/shaped': count(shapedF),
      'tokens/low_conf_dropped': count(flags.masked),
      'tokens/low_conf_to_ppo': count(flags.routedToPpo),
      'kl/mean': maskedMean(kl, effectiveMask),
      'entropy/mean': maskedMean(entropy, effectiveMask),
    };
    const normaliserMask = config.droppedInNormaliser ? validF : effectiveMask;
    return {
      perTokenLoss,
      perTokenPolicyLoss,
      perTokenKlPenalty,
      perTokenEntropyBonus,
      effectiveMask,
      normaliserMask,
      flags,
      metrics,
    };
  });
}

/** The per-token flags the trainer reads back for the inspector (see loop/update.ts). */
export type InspectorFlags = Pick<
  TokenLossFlags,
  'clippedLow' | 'clippedHigh' | 'masked' | 'weight'
>;

/** Output of {@link thinkTuningLoss}. */
export type LossOutput = {
  /** The scalar to minimize (pass to tf.variableGrads / optimizer.minimize). */
  loss: tf.Scalar;
  /** Scalar diagnostics (separate tensors from `loss`); read with lossMetricsToNumbers. */
  metrics: LossMetricTensors;
  /** [N, T] inspector flags of the same pass; only with `{ flags: true }`. */
  flags?: InspectorFlags;
};

/**
 * Aggregated ThinkTuning loss: aggregate(perTokenLoss, normaliserMask). Never reads tensor data.
 * Plain GRPO: offPolicyMask all zero. The trainer minimises exactly this (loop/update.ts), with
 * `{ flags: true }` to keep the per-token flags the inspector shows from the same pass.
 */
export function thinkTuningLoss(
  inputs: TokenLossInputs,
  opts: { flags?: boolean } = {},
): LossOutput {
  const aggregate = getAggregation(inputs.config.aggregation);
  const params = { maxResponseLength: inputs.config.maxResponseLength };
  // One tidy: the per-token tensors are freed, only `loss`, `metrics` (and `flags`) survive.
  return tf.tidy(() => {
    const tokens = thinkTuningTokenLoss(inputs);
    const mask = tokens.normaliserMask;
    const loss = aggregate(tokens.perTokenLoss, mask, params);
    const metrics: LossMetricTensors = {
      ...tokens.metrics,
      'loss/total': tf.clone(loss), // a separate tensor, so disposing metrics keeps `loss`
      'loss/policy': aggregate(tokens.perTokenPolicyLoss, mask, params),
      'loss/kl_penalty': aggregate(tokens.perTokenKlPenalty, mask, params),
      'loss/entropy_bonus': aggregate(tokens.perTokenEntropyBonus, mask, params),
    };
    if (!opts.flags) return { loss, metrics };
    const { clippedLow, clippedHigh, masked, weight } = tokens.flags;
    return { loss, metrics, flags: { clippedLow, clippedHigh, masked, weight } };
  });
}
