/**
 * Loss diagnostics: the metric names (namespaced like cleanrl/TRL logs), and the helpers that
 * keep them alive past `tf.variableGrads` and read them back in one transfer.
 *
 * The loss never calls dataSync; it returns scalar tensors. Typical use in a trainer step:
 *
 *   let metrics: LossMetricTensors | undefined;
 *   const { value, grads } = tf.variableGrads(() => {
 *     const out = thinkTuningLoss(inputs);
 *     metrics = keepMetrics(out.metrics); // survive variableGrads' tidy
 *     return out.loss;
 *   });
 *   optimizer.applyGradients(grads);
 *   const numbers = await lossMetricsToNumbers(metrics!); // one read, then disposed
 */
import * as tf from '@tensorflow/tfjs';

/** Metrics of the per-token loss (denominators in comments). */
export const TOKEN_METRIC_NAMES = [
  'clip_ratio/low_mean', // PPO tokens with A<0 and r < 1-eps_low / response tokens (TRL, verl)
  'clip_ratio/high_mean', // PPO tokens with A>0 and r > 1+eps_high / response tokens (TRL, verl)
  'clip_ratio/region_mean', // low or high / response tokens (TRL)
  'clip_ratio/dual_mean', // PPO tokens with the dual cap -c*A active / response tokens (verl)
  'clip_ratio/ppo_low_mean', // low-clipped / PPO-branch tokens (teacher tokens left out)
  'clip_ratio/ppo_high_mean', // high-clipped / PPO-branch tokens
  'clip_ratio/ppo_region_mean', // low or high / PPO-branch tokens
  'policy/ppo_kl', // mean(oldLogp - logp) over PPO tokens (verl ppo_kl)
  'policy/ratio_mean', // mean r over PPO tokens
  'offpolicy/weight_mean', // mean shaping weight over shaped (teacher) tokens
  'offpolicy/prob_mean', // mean p over shaped tokens
  'offpolicy/fallback_mean', // shaped tokens whose denominator left (0, 1] / shaped tokens
  'tokens/response', // count of valid response tokens (student and teacher)
  'tokens/effective', // count of tokens that contribute to the loss
  'tokens/ppo', // count of tokens in the PPO branch (incl. routed low-confidence)
  'tokens/off_policy', // count of teacher tokens (offPolicyMask, valid)
  'tokens/shaped', // count of tokens in the shaped off-policy branch
  'tokens/low_conf_dropped', // low-confidence negative teacher tokens masked out
  'tokens/low_conf_to_ppo', // low-confidence negative teacher tokens routed to PPO
  'kl/mean', // mean k3 KL to the reference over effective tokens (0 without refLogp)
  'entropy/mean', // mean entropy over effective tokens (0 without entropy)
] as const;

/** Aggregated loss parts, added by `thinkTuningLoss`. */
export const LOSS_PART_METRIC_NAMES = [
  'loss/total', // the scalar that is minimized
  'loss/policy', // aggregated policy (PPO + shaped) part
  'loss/kl_penalty', // aggregated beta * k3 part (0 when beta = 0)
  'loss/entropy_bonus', // aggregated -coef * entropy part (0 when coef = 0)
] as const;

export type TokenMetricName = (typeof TOKEN_METRIC_NAMES)[number];
export type LossPartMetricName = (typeof LOSS_PART_METRIC_NAMES)[number];
export type LossMetricName = TokenMetricName | LossPartMetricName;

/** Scalar tensors keyed by metric name. */
export type TokenMetricTensors = Record<TokenMetricName, tf.Scalar>;
export type LossMetricTensors = Record<LossMetricName, tf.Scalar>;

/** tf.keep every metric so it outlives the enclosing tidy / variableGrads; returns the same object. */
export function keepMetrics<K extends string>(metrics: Record<K, tf.Scalar>): Record<K, tf.Scalar> {
  for (const t of Object.values<tf.Scalar>(metrics)) tf.keep(t);
  return metrics;
}

/** Disposes every metric tensor. */
export function disposeMetrics<K extends string>(metrics: Record<K, tf.Scalar>): void {
  tf.dispose(Object.values<tf.Scalar>(metrics));
}

/** Stacks the metric scalars into one [K] tensor (one device read instead of K). */
function stackMetrics<K extends string>(
  metrics: Record<K, tf.Scalar>,
): {
  keys: K[];
  stacked: tf.Tensor1D;
} {
  const keys = Object.keys(metrics) as K[];
  const stacked = tf.tidy(
    () => tf.stack(keys.map((k) => tf.reshape(metrics[k], []))) as tf.Tensor1D,
  );
  return { keys, stacked };
}

function toRecord<K extends string>(keys: K[], values: ArrayLike<number>): Record<K, number> {
  const out = {} as Record<K, number>;
  keys.forEach((k, i) => {
    out[k] = values[i];
  });
  return out;
}

/** Reads all metrics with one async transfer, then disposes them. */
export async function lossMetricsToNumbers<K extends string>(
  metrics: Record<K, tf.Scalar>,
): Promise<Record<K, number>> {
  const { keys, stacked } = stackMetrics(metrics);
  disposeMetrics(metrics);
  try {
    return toRecord(keys, await stacked.data());
  } finally {
    stacked.dispose();
  }
}

/** Synchronous variant of {@link lossMetricsToNumbers} (blocks on the device; for Node/CLI/tests). */
export function lossMetricsToNumbersSync<K extends string>(
  metrics: Record<K, tf.Scalar>,
): Record<K, number> {
  const { keys, stacked } = stackMetrics(metrics);
  disposeMetrics(metrics);
  try {
    return toRecord(keys, stacked.dataSync());
  } finally {
    stacked.dispose();
  }
}
