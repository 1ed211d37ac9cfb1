/**
 * Child process of webgpuTraining.test.ts (see parityMain.ts for why a child): the fused WebGPU
 * backward kernels of issue 18 (src/engine/backend/webgpu/normGeluBackward.ts and
 * attentionBackward.ts) through fusedOps.ts's LayerNorm, GELU and attention ops, their gradients
 * against the cpu backend's composite path; the dispatches of each backward; the same with one
 * shader deliberately broken at a time; live tensors across repeated backward passes. Prints one
 * JSON line.
 */
import * as tf from '@tensorflow/tfjs';
import { exitClosingWebGPU, installNodeWebGPU } from '../../bench/nodeWebgpu';
import { startWorkCounter } from '../../src/engine/backend/counters';
import {
  webgpuGeluGrad,
  webgpuLayerNormGrad,
} from '../../src/engine/backend/webgpu/normGeluBackward';
import { setShaderTransformForTests } from '../../src/engine/backend/webgpu/shaderTestHook';
import { webgpuSoftmaxGrad } from '../../src/engine/backend/webgpu/attentionBackward';
import { attention, geluOp, layerNormOp } from '../../src/engine/model/fusedOps';

function rand(n: number, seed: number, scale = 1, shift = 0): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale + shift;
  });
}

/** Runs f and counts the compute dispatches it records. */
function counted(f: () => unknown): number {
  const c = startWorkCounter();
  try {
    f();
    return c.counts().dispatches ?? 0;
  } finally {
    c.restore();
  }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

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

/** Each backward shader with one constant 0.1 % off: the parity must fail under each. */
const BREAKS: Record<string, [string, string, string]> = {
  'gelu-grad': ['thinktuningGeluGrad', '(1.0 - s)', '(1.001 - s)'],
  'ln-grad': ['thinktuningLayerNormDx', 'xh * meanB', 'xh * meanB * 1.001'],
  'attention-grad': ['thinktuningSoftmaxGrad', '- dot)', '- dot * 1.001)'],
};

/** Largest difference from `cpu` of the gradients `gpu()` computes under each of BREAKS. */
async function underBreaks(
  gpu: () => Promise<ArrayLike<number>[]>,
  cpu: ArrayLike<number>[],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, [key, from, to]] of Object.entries(BREAKS)) {
    setShaderTransformForTests((k, code) => (k.startsWith(key) ? code.replace(from, to) : code));
    const broken = await gpu();
    out[name] = Math.max(...broken.map((gr, i) => maxDiff(gr, cpu[i])));
  }
  setShaderTransformForTests(null);
  return out;
}

async function main() {
  const adapter = await installNodeWebGPU();
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu backend did not start');
  await tf.ready();
  const out: Record<string, unknown> = {
    adapter: `${adapter.vendor} ${adapter.architecture}`,
  };
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
    // the backward kernels alone (the tape adds its own dispatches around them)
    out[`ln_${d}_grad_dispatches`] = counted(() => webgpuLayerNormGrad(x, w, g, eps));
    const gpuLn = () => Promise.all(grads(ln, [x, g, b], w).map((t) => t.data()));
    const gpuGrads = await gpuLn();
    await tf.setBackend('cpu');
    const cpuGrads = await Promise.all(
      grads(ln, [tf.tensor(xs, shape), tf.tensor1d(gs), tf.tensor1d(bs)], tf.tensor(ws, shape)).map(
        (t) => t.data(),
      ),
    );
    await tf.setBackend('webgpu');
    out[`ln_${d}_grad`] = Math.max(...gpuGrads.map((gr, i) => maxDiff(gr, cpuGrads[i])));
    if (d === 130) out.ln_130_grad_broken = await underBreaks(gpuLn, cpuGrads);
  }
  const xs = rand(1000, 5, 4);
  const x = tf.tensor2d(xs, [10, 100]);
  out.gelu_grad_dispatches = counted(() => webgpuGeluGrad(x, x));
  const ws = rand(1000, 9);
  const gpuGelu = async () => [await grads(geluOp, [x], tf.tensor2d(ws, [10, 100]))[0].data()];
  const [gpuGrad] = await gpuGelu();
  await tf.setBackend('cpu');
  const cpuGrad = await grads(
    geluOp,
    [tf.tensor2d(xs, [10, 100])],
    tf.tensor2d(ws, [10, 100]),
  )[0].data();
  out.gelu_grad = maxDiff(gpuGrad, cpuGrad);
  await tf.setBackend('webgpu');
  out.gelu_grad_broken = await underBreaks(gpuGelu, [cpuGrad]);
  // Attention: gradients of q, k, v through the kept probabilities; rows of 5 and of 70 scores
  // (below and above the 64-thread workgroup), a causal bias.
  out.attention_grad = 0;
  for (const [B, H, T, hd] of [
    [2, 3, 5, 8],
    [1, 2, 70, 8],
  ]) {
    const n = B * H * T * hd;
    const [qs, ks, vs, wsA] = [1, 2, 3, 4].map((i) => rand(n, 40 + i + T));
    const causal = Float32Array.from({ length: T * T }, (_, i) => (i % T > i / T ? -1e9 : 0));
    const scale = 1 / Math.sqrt(hd);
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
      attention(
        q as tf.Tensor4D,
        k as tf.Tensor4D,
        v as tf.Tensor4D,
        tf.tensor(causal, [1, 1, T, T]),
        scale,
      );
    const make = () => [qs, ks, vs].map((a) => tf.tensor(a, [B, H, T, hd]));
    const w4 = () => tf.tensor(wsA, [B, H, T, hd]);
    await tf.setBackend('webgpu');
    const gpuAttn = () => Promise.all(grads(f, make(), w4()).map((t) => t.data()));
    const gpuA = await gpuAttn();
    await tf.setBackend('cpu');
    const cpuA = await Promise.all(grads(f, make(), w4()).map((t) => t.data()));
    await tf.setBackend('webgpu');
    const diff = Math.max(...gpuA.map((gr, i) => maxDiff(gr, cpuA[i])));
    out.attention_grad = Math.max(out.attention_grad as number, diff);
    if (T === 70) {
      const p = tf.softmax(tf.randomNormal([B, H, T, T]));
      out.attention_grad_dispatches = counted(() => webgpuSoftmaxGrad(p, p, scale));
      out.attention_grad_broken = await underBreaks(gpuAttn, cpuA);
    }
  }
  // No leaks: a training-like step through the three backward paths, three times; live tensors
  // after each must not grow.
  await tf.setBackend('webgpu');
  const lnOp = layerNormOp(1e-5);
  const [xl, gl, bl, wl] = [rand(6 * 40, 1), rand(40, 2), rand(40, 3), rand(6 * 40, 4)];
  const [qa, ka, va, wa] = [5, 6, 7, 8].map((i) => tf.tensor(rand(2 * 5 * 8, i), [1, 2, 5, 8]));
  const xT = tf.tensor(xl, [6, 40]);
  const [gT, bT, wT] = [tf.tensor1d(gl), tf.tensor1d(bl), tf.tensor(wl, [6, 40])];
  const bias = tf.zeros([1, 1, 5, 5]);
  out.num_tensors = [] as number[];
  for (let i = 0; i < 3; i++) {
    const gs = [
      ...grads(lnOp, [xT, gT, bT], wT),
      ...grads(geluOp, [xT], wT),
      ...grads(
        (q, k, v) => attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, bias, 0.3),
        [qa, ka, va],
        wa,
      ),
    ];
    await Promise.all(gs.map((t) => t.data()));
    tf.dispose(gs);
    (out.num_tensors as number[]).push(tf.memory().numTensors);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

exitClosingWebGPU(main(), (e) =>
  process.stderr.write((e instanceof Error ? (e.stack ?? e.message) : String(e)) + '\n'),
);
