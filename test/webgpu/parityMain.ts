/**
 * Child process of webgpuKernels.test.ts: tfjs's WebGPU backend on Dawn's Node bindings (a real
 * WebGPU implementation; SwiftShader's Vulkan on a machine without a GPU), the fused LayerNorm and
 * GELU kernels against float64 formulas and their gradients against the cpu backend's composite
 * path. Prints one JSON line. Needs the Vulkan loader and an ICD on LD_LIBRARY_PATH /
 * VK_ICD_FILENAMES, which a process cannot set for itself: hence the child.
 */
import * as tf from '@tensorflow/tfjs';
import { exitClosingWebGPU, installNodeWebGPU } from '../../bench/nodeWebgpu';
import { geluOp, layerNormOp } from '../../src/engine/model/fusedOps';
import { decodeChecks } from './decodeParity';
import { flushChecks } from './flushCheck';
import { llamaChecks } from './llamaParity';
import { pickChecks } from './pickParity';
import { counted, maxDiff, rand } from './util';

function layerNormRef(x: Float32Array, g: Float32Array, b: Float32Array, d: number, eps: number) {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let m = 0;
    for (let j = 0; j < d; j++) m += x[r * d + j];
    m /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[r * d + j] - m) ** 2;
    const rstd = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) y[r * d + j] = (x[r * d + j] - m) * rstd * g[j] + b[j];
  }
  return y;
}

const geluRef = (x: number) =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** Gradients of sum(f(inputs) * w) on the active backend. */
function grads(f: (...t: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], w: tf.Tensor) {
  return tf.tidy(() =>
    tf.grads((...t: tf.Tensor[]) =>
      f(...t)
        .mul(w)
        .sum(),
    )(inputs),
  );
}

async function main() {
  const adapter = await installNodeWebGPU();
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu backend did not start');
  await tf.ready();
  const out: Record<string, unknown> = { adapter: `${adapter.vendor} ${adapter.architecture}` };
  const eps = 1e-5;
  // d below, at and above the 64-thread workgroup; rows over a leading batch axis.
  for (const shape of [
    [3, 5, 40],
    [1, 4, 130],
  ]) {
    const d = shape[2];
    const rows = shape[0] * shape[1];
    const xs = rand(rows * d, 7 + d, 2, 0.5);
    const gs = rand(d, 11 + d, 1, 1);
    const bs = rand(d, 13 + d, 0.5);
    const ws = rand(rows * d, 17 + d);
    const ln = layerNormOp(eps);
    const x = tf.tensor(xs, shape);
    const [g, b, w] = [tf.tensor1d(gs), tf.tensor1d(bs), tf.tensor(ws, shape)];
    const { result: y, dispatches } = counted(() => ln(x, g, b));
    out[`ln_${d}_value`] = maxDiff(await y.data(), layerNormRef(xs, gs, bs, d, eps));
    out[`ln_${d}_dispatches`] = dispatches;
    const gpuGrads = await Promise.all(grads(ln, [x, g, b], w).map((t) => t.data()));
    await tf.setBackend('cpu');
    const cpuGrads = await Promise.all(
      grads(ln, [tf.tensor(xs, shape), tf.tensor1d(gs), tf.tensor1d(bs)], tf.tensor(ws, shape)).map(
        (t) => t.data(),
      ),
    );
    await tf.setBackend('webgpu');
    out[`ln_${d}_grad`] = Math.max(...gpuGrads.map((gr, i) => maxDiff(gr, cpuGrads[i])));
  }
  const xs = rand(1000, 5, 4);
  const x = tf.tensor2d(xs, [10, 100]);
  const { result: y, dispatches } = counted(() => geluOp(x));
  out.gelu_value = maxDiff(await y.data(), Array.from(xs, geluRef));
  out.gelu_dispatches = dispatches;
  const ws = rand(1000, 9);
  const gpuGrad = await grads(geluOp, [x], tf.tensor2d(ws, [10, 100]))[0].data();
  await tf.setBackend('cpu');
  const cpuGrad = await grads(
    geluOp,
    [tf.tensor2d(xs, [10, 100])],
    tf.tensor2d(ws, [10, 100]),
  )[0].data();
  out.gelu_grad = maxDiff(gpuGrad, cpuGrad);
  await tf.setBackend('webgpu');
  Object.assign(out, await decodeChecks());
  Object.assign(out, await llamaChecks());
  Object.assign(out, await pickChecks());
  Object.assign(out, await flushChecks());
  process.stdout.write(JSON.stringify(out) + '\n');
}

exitClosingWebGPU(main(), (e) =>
  process.stderr.write((e instanceof Error ? (e.stack ?? e.message) : String(e)) + '\n'),
);
