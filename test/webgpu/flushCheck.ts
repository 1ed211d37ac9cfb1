/**
 * flushWebGPU (src/engine/backend/webgpu/program.ts) on tfjs's WebGPU backend, for parityMain.ts:
 * dispatches recorded below tfjs's batch of 15 are submitted by it, once; with none pending it
 * submits nothing; the values are unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { flushWebGPU } from '../../src/engine/backend/webgpu/program';
import { startWorkCounter } from '../../src/engine/backend/counters';

type Figures = Record<string, number | string | boolean>;

export async function flushChecks(): Promise<Figures> {
  const out: Figures = {};
  // 4 096 values: over WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD, so the ops run on the GPU
  const x = tf.tensor1d(Float32Array.from({ length: 4096 }, (_, i) => i % 7));
  await x.data(); // uploaded and submitted: nothing pending
  const counter = startWorkCounter();
  let y: tf.Tensor;
  try {
    y = tf.tidy(() => x.add(1).mul(2).sub(x)); // (x + 1) 2 - x = x + 2
    out.flush_dispatches = counter.counts().dispatches ?? 0;
    out.flush_submits_before = counter.counts().submits ?? 0;
    out.flush_first = flushWebGPU();
    out.flush_submits_after = counter.counts().submits ?? 0;
    out.flush_second = flushWebGPU();
    out.flush_submits_again = counter.counts().submits ?? 0;
  } finally {
    counter.restore();
  }
  const v = await y.data();
  out.flush_values_ok = Array.from(v).every((a, i) => a === (i % 7) + 2);
  tf.dispose([x, y]);
  return out;
}
