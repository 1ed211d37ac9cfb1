/**
 * A hook after every kernel the tfjs engine runs, for measuring what a piece of work holds at
 * its peak (tensors are freed between kernels, so polling after each one sees the high-water
 * mark). It costs a function call per kernel: measure a piece of work, not a whole run.
 */
import * as tf from '@tensorflow/tfjs';

type Engine = { runKernel: (...a: unknown[]) => unknown; state: { numBytes: number } };

/** Runs `work` (sync or async) with `after` called after every kernel; the hook goes after it. */
export function afterEachKernel<T>(after: () => void, work: () => T): T {
  const engine = tf.engine() as unknown as Engine;
  const original = engine.runKernel;
  const own = Object.prototype.hasOwnProperty.call(engine, 'runKernel'); // another wrapper?
  engine.runKernel = function (this: unknown, ...a: unknown[]) {
    const out = original.apply(this, a);
    after();
    return out;
  };
  const restore = () => {
    if (own) engine.runKernel = original;
    else delete (engine as { runKernel?: unknown }).runKernel; // back to the prototype's
  };
  let out: T;
  try {
    out = work();
  } catch (e) {
    restore();
    throw e;
  }
  if (out instanceof Promise) return out.finally(restore) as T;
  restore();
  return out;
}

/** `work`'s result and the most bytes of tensors it held above what was live when it began. */
export function peakTensorGrowth<T>(work: () => T): { out: T; bytes: number } {
  const engine = tf.engine() as unknown as Engine;
  const start = engine.state.numBytes;
  let peak = start;
  const out = afterEachKernel(() => {
    if (engine.state.numBytes > peak) peak = engine.state.numBytes;
  }, work);
  return { out, bytes: peak - start };
}
