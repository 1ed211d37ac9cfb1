/**
 * Loss aggregation: [N, T] per-token loss + [N, T] float mask → scalar (verl `agg_loss`).
 * Masked positions are zeroed with `where` first, so garbage there cannot leak.
 */
import * as tf from '@tensorflow/tfjs';
import { maskedMean, zeroOutside } from './masked-reductions';
import { lookupVariant } from './registry';

/** Names of the aggregation modes. */
export type AggregationName = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum-norm';

/** Settings some modes read. */
export interface AggregationParams {
  /**
   * Dr. GRPO normalizer: the FIXED configured maximum response length (not the batch's longest
   * response, not T of this batch, which may include prompt positions), so the divisor is
   * constant over training and the same whatever the prompts' lengths.
   */
  maxResponseLength: number;
}

/** Aggregates loss [N, T] under mask [N, T] to a scalar. */
export type Aggregation = (
  loss: tf.Tensor,
  mask: tf.Tensor,
  params: AggregationParams,
) => tf.Scalar;

export const AGGREGATIONS: Record<AggregationName, Aggregation> = {
  // sum(L*m) / sum(m)                                   (DAPO arXiv 2503.14476; reference default)
  'token-mean': (loss, mask) => maskedMean(loss, mask),
  // mean over sequences with >= 1 valid token of sum_t(L*m) / sum_t(m)   (original GRPO)
  'seq-mean-token-mean': (loss, mask) => {
    const tokenCount = tf.sum(mask, 1); // [N]
    const seqMean = tf.div(
      tf.sum(tf.mul(zeroOutside(loss, mask), mask), 1),
      tf.maximum(tokenCount, 1),
    ); // [N]
    const hasTokens = tf.cast(tf.greater(tokenCount, 0), 'float32'); // [N]
    return maskedMean(seqMean, hasTokens);
  },
  // sum_{i,t}(L*m) / (N * maxResponseLength): token sums / maxLen, mean over all N sequences
  // (Dr. GRPO arXiv 2503.20783; verl's version omits the 1/N)
  'seq-mean-token-sum-norm': (loss, mask, params) => {
    const [n] = loss.shape;
    if (!(params.maxResponseLength > 0)) {
      throw new Error(`maxResponseLength must be > 0, got ${params.maxResponseLength}`);
    }
    const total = tf.sum(tf.mul(zeroOutside(loss, mask), mask));
    return tf.div(total, Math.max(n, 1) * params.maxResponseLength) as tf.Scalar;
  },
};

/** The aggregation registered under `name`; throws listing valid names otherwise. */
export function getAggregation(name: string): Aggregation {
  return lookupVariant(AGGREGATIONS, 'loss aggregation', name);
}
