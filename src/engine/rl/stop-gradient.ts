/**
 * sg(x), the stop-gradient operator (torch `x.detach()`).
 *
 * tfjs 4.22 has no stopGradient op. We build it with `tf.customGrad` called with NO tensor
 * inputs: the function closes over `x` and returns a clone of it (ops inside a custom gradient's
 * forward pass are not recorded), so the tape node that produces sg(x) has no inputs and the
 * result is disconnected from `x`: sg(x) == x in value, d sg(x) / dx = 0.
 *
 * Cutting the tape (rather than a custom op with a zero gradient) matters in tfjs: comparison
 * and logical kernels (Less, Greater, LogicalAnd, ...) have no registered gradient, and the tape
 * throws "gradient function not found" for any such node that sits between x and the loss, even
 * when it only feeds a `where` condition. Every mask derived from a differentiable tensor must
 * therefore be computed from sg(x). `customGrad` runs through `runKernelFunc`, so this works on
 * every backend (cpu, wasm, webgl, webgpu).
 */
import * as tf from '@tensorflow/tfjs';

/** sg(x): same values as `x`, no gradient path back to `x`. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const detached = tf.customGrad(() => ({
    value: tf.clone(x), // forward: identity (shares the data buffer)
    gradFunc: () => [] as tf.Tensor[], // no inputs, so nothing to differentiate
  }));
  return detached() as T;
}
