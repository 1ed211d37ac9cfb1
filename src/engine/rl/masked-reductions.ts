/**
 * Masked reductions over [N, T] token tensors. Positions where mask == 0 are replaced by 0 with
 * `where` before reducing, so a NaN/Inf sitting in a padded position cannot leak into the result
 * or its gradient (0 * Inf would).
 */
import * as tf from '@tensorflow/tfjs';

/** x where mask > 0, else 0. Shapes: x, mask [N, T] -> [N, T]. */
export function zeroOutside(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(mask, 0), x, tf.zeros(x.shape));
}

/** sum(x * mask) -> scalar. */
export function maskedSum(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(zeroOutside(x, mask), mask)) as tf.Scalar;
}

/** sum(x * mask) / max(sum(mask), 1) -> scalar (0 when the mask is empty). */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(maskedSum(x, mask), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/** 1.0 where cond is true, else 0.0 (float32). */
export function asFloat(cond: tf.Tensor): tf.Tensor {
  return tf.cast(cond, 'float32');
}
