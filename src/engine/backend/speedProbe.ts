/**
 * A short speed probe of the active backend (~0.1-0.3 s on WASM): the median time of a small
 * fixed workload shaped like one decoding step of a small student (a [64, 256] x [256, 256]
 * matmul, GELU, softmax and one readback). The preset picker scales the bench's step figures by
 * probe / the reference machine's probe (presetTimings.ts).
 */
import * as tf from '@tensorflow/tfjs';

export async function speedProbeMs(repeats = 7): Promise<number> {
  const a = tf.randomNormal([64, 256], 0, 1, 'float32', 1);
  const w = tf.randomNormal([256, 256], 0, 0.05, 'float32', 2);
  const once = async () => {
    const t0 = performance.now();
    const y = tf.tidy(() => tf.softmax(tf.mul(tf.matMul(a, w), tf.sigmoid(tf.matMul(a, w)))));
    await y.data(); // one readback, as a decoding step has
    y.dispose();
    return performance.now() - t0;
  };
  try {
    await once(); // compiles kernels (WebGPU shaders) outside the timing
    await once();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) times.push(await once());
    times.sort((x, y) => x - y);
    return times[Math.floor(times.length / 2)];
  } finally {
    tf.dispose([a, w]);
  }
}
