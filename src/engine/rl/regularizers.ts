/**
 * Optional per-token regularizers added to the policy loss (both off in the reference).
 * All tensors [N, T]; the caller masks.
 */
import * as tf from '@tensorflow/tfjs';
import { LOG_RATIO_LIMIT } from './ppo-surrogate';

/**
 * k3 estimator of KL(pi_theta || pi_ref) per token (Schulman, "Approximating KL divergence"):
 * kl = exp(refLogp - logp) - (refLogp - logp) - 1 >= 0. The log-ratio is clamped to +-20
 * before exp so it cannot overflow.
 * @param logp [N, T] log pi_theta(token), differentiable.
 * @param refLogp [N, T] log pi_ref(token) of the frozen reference, constant.
 */
export function klK3(logp: tf.Tensor, refLogp: tf.Tensor): tf.Tensor {
  const d = tf.minimum(tf.maximum(tf.sub(refLogp, logp), -LOG_RATIO_LIMIT), LOG_RATIO_LIMIT);
  return tf.sub(tf.sub(tf.exp(d), d), 1); // exp(d) - d - 1
}

/** Per-token KL penalty: beta * k3(logp, refLogp). */
export function klPenalty(logp: tf.Tensor, refLogp: tf.Tensor, beta: number): tf.Tensor {
  return tf.mul(klK3(logp, refLogp), beta);
}

/** Per-token entropy bonus as a loss term: -coef * entropy (entropy [N, T] from the logits). */
export function entropyBonus(entropy: tf.Tensor, coef: number): tf.Tensor {
  return tf.mul(entropy, -coef);
}
