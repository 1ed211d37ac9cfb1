/**
 * Llama decoding on WebGPU (parityMain.ts's child): the one-dispatch RMSNorm against float64,
 * a deliberately broken one, and a cached decoding step of a small Qwen2-shaped model with LoRA
 * (merged into the weights on WebGPU, loraMerge.ts) against the cpu backend's unmerged step,
 * with its dispatches counted. Returns flat figures; webgpuKernels.test.ts asserts on them.
 */
import * as tf from '@tensorflow/tfjs';
import { webgpuRmsNorm } from '../../src/engine/backend/webgpuKernels';
import { webgpuRopeHeads, webgpuSwiglu } from '../../src/engine/backend/webgpu/llamaDecode';
import type { LayerKV } from '../../src/engine/model/causalLM';
import { tinyQwen2 } from '../tinyQwen2';
import { LLAMA_LINEAR_MODULES } from '../../src/contract/llamaModules';
import { LlamaModel } from '../../src/engine/model/llama';
import { llamaWeightShapes } from '../../src/engine/model/llamaConfig';
import { broken, counted, maxDiff, rand } from './util';

type Figures = Record<string, number | string | boolean>;

function rmsNormRef(x: Float32Array, w: Float32Array, d: number, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let ms = 0;
    for (let j = 0; j < d; j++) ms += x[r * d + j] ** 2;
    const rstd = 1 / Math.sqrt(ms / d + eps);
    for (let j = 0; j < d; j++) y[r * d + j] = x[r * d + j] * rstd * w[j];
  }
  return y;
}

async function rmsNormCase(
  d: number,
  rows: number,
): Promise<{ value: number; dispatches: number }> {
  const xs = rand(rows * d, 31 + d, 2, 0.3);
  const ws = rand(d, 37 + d, 1, 1);
  const [x, w] = [tf.tensor2d(xs, [rows, d]), tf.tensor1d(ws)];
  const { result: y, dispatches } = counted(() => webgpuRmsNorm(x, w, 1e-6));
  const value = maxDiff(await y.data(), rmsNormRef(xs, ws, d, 1e-6));
  tf.dispose([x, w, y]);
  return { value, dispatches };
}

/** RoPE from a linear output [B T, n hd] into heads [B, n, T, hd], in float64. */
function ropeRef(
  x: Float32Array,
  c: Float32Array,
  s: Float32Array,
  B: number,
  n: number,
  T: number,
  hd: number,
  Bc: number,
) {
  const y = new Float64Array(B * n * T * hd);
  const hh = hd / 2;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < n; h++)
      for (let t = 0; t < T; t++)
        for (let j = 0; j < hd; j++) {
          const row = (b * T + t) * n * hd + h * hd;
          const rot = j < hh ? -x[row + j + hh] : x[row + j - hh];
          const ci = ((Bc > 1 ? b : 0) * T + t) * hd + j;
          y[((b * n + h) * T + t) * hd + j] = x[row + j] * c[ci] + rot * s[ci];
        }
  return y;
}

async function ropeCase(B: number, n: number, T: number, hd: number, Bc: number) {
  const xs = rand(B * T * n * hd, 61 + T, 1.5);
  const cs = rand(Bc * T * hd, 67 + T);
  const ss = rand(Bc * T * hd, 71 + T);
  const x = tf.tensor2d(xs, [B * T, n * hd]);
  const [c, s] = [tf.tensor4d(cs, [Bc, 1, T, hd]), tf.tensor4d(ss, [Bc, 1, T, hd])];
  const { result: y, dispatches } = counted(() => webgpuRopeHeads(x, c, s, B, n));
  const value = maxDiff(await y.data(), ropeRef(xs, cs, ss, B, n, T, hd, Bc));
  const shape = y.shape.join('x');
  tf.dispose([x, c, s, y]);
  return { value, dispatches, shape };
}

async function swigluCase() {
  const gs = rand(3 * 50, 81, 6);
  const us = rand(3 * 50, 83, 2);
  const [g, u] = [tf.tensor2d(gs, [3, 50]), tf.tensor2d(us, [3, 50])];
  const { result: y, dispatches } = counted(() => webgpuSwiglu(g, u));
  const ref = Array.from(gs, (v, i) => (v / (1 + Math.exp(-v))) * us[i]);
  const value = maxDiff(await y.data(), ref);
  tf.dispose([g, u, y]);
  return { value, dispatches };
}

const config = tinyQwen2({
  vocab: 80,
  hidden: 64,
  intermediate: 96,
  layers: 2,
  context: 64,
});
const ALL = LLAMA_LINEAR_MODULES;

/** The same weights and trained-looking adapters on whichever backend is active. */
function buildLlama(): LlamaModel {
  const arrays = new Map<string, Float32Array>();
  let k = 0;
  for (const [name, shape] of llamaWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    arrays.set(
      name,
      name.endsWith('norm.weight') ? rand(n, 900 + k++, 0.2, 1) : rand(n, 900 + k++, 0.2),
    );
  }
  const m = LlamaModel.fromArrays(config, arrays, {
    lora: { rank: 4, alpha: 8, targetModules: ALL, seed: 2 },
  });
  m.lora!.variables().forEach((v, i) => v.assign(tf.tensor(rand(v.size, 950 + i, 0.3), v.shape)));
  return m;
}

/** Logits of one cached decoding step after a prompt, and that step's dispatches. */
async function decodeStep(m: LlamaModel): Promise<{ logits: Float32Array; dispatches: number }> {
  const ids = tf.tensor2d([3, 9, 14, 2, 7, 21, 5, 8, 30, 1, 4, 6], [3, 4], 'int32');
  const keep = (p: LayerKV[]) => p.map((kv) => ({ ...kv, k: tf.keep(kv.k), v: tf.keep(kv.v) }));
  const past = tf.tidy(() => keep(m.forward(ids, { lastOnly: true }).present));
  const step = tf.tensor2d([12, 40, 77], [3, 1], 'int32');
  const run = () => tf.tidy(() => m.forward(step, { past, lastOnly: true }).logits);
  tf.dispose(run()); // compiles this shape's shaders and merges the adapters
  const { result, dispatches } = counted(run);
  const logits = (await result.data()) as Float32Array;
  tf.dispose([ids, step, result, ...past.flatMap((kv) => [kv.k, kv.v])]);
  m.releaseDecodeCache();
  return { logits, dispatches };
}

export async function llamaChecks(): Promise<Figures> {
  const out: Figures = {};
  for (const [d, rows] of [
    [40, 6],
    [130, 3],
  ]) {
    const r = await rmsNormCase(d, rows);
    out[`rms_${d}_value`] = r.value;
    out[`rms_${d}_dispatches`] = r.dispatches;
  }
  // A broken kernel (one constant 0.1 % off) must fail the same comparison.
  out.rms_broken_value = (
    await broken('thinktuningRmsNorm', 'rmsShared * getW', 'rmsShared * 1.001 * getW', () =>
      rmsNormCase(40, 6),
    )
  ).value;
  // a decoding step (T = 1, per-row tables), a prefill (T = 5, shared tables), hd = 64
  for (const [name, B, n, T, hd, Bc] of [
    ['step', 3, 4, 1, 16, 3],
    ['prefill', 2, 2, 5, 64, 1],
  ] as const) {
    const r = await ropeCase(B, n, T, hd, Bc);
    out[`rope_${name}_value`] = r.value;
    out[`rope_${name}_dispatches`] = r.dispatches;
    out[`rope_${name}_shape`] = r.shape;
  }
  out.rope_broken_value = (
    await broken('thinktuningRopeHeads', 'rot * sinIn', 'rot * 1.001 * sinIn', () =>
      ropeCase(3, 4, 1, 16, 3),
    )
  ).value;
  const sw = await swigluCase();
  out.swiglu_value = sw.value;
  out.swiglu_dispatches = sw.dispatches;
  out.swiglu_broken_value = (
    await broken('thinktuningSwiglu', '1.0 + exp(-g)', '1.001 + exp(-g)', swigluCase)
  ).value;

  const gpu = buildLlama();
  const merged = await decodeStep(gpu);
  gpu.mergeForDecoding = 'never';
  const separate = await decodeStep(gpu);
  const before = tf.memory().numTensors;
  await decodeStep(gpu);
  out.llama_tensor_growth = tf.memory().numTensors - before;
  gpu.dispose();
  await tf.setBackend('cpu');
  const cpu = buildLlama();
  const reference = await decodeStep(cpu);
  cpu.dispose();
  await tf.setBackend('webgpu');
  out.llama_merged_logits = maxDiff(merged.logits, reference.logits);
  out.llama_separate_logits = maxDiff(separate.logits, reference.logits);
  out.llama_merged_vs_separate = maxDiff(merged.logits, separate.logits);
  out.llama_logit_scale = maxDiff(reference.logits, new Float32Array(reference.logits.length));
  out.llama_merged_dispatches_per_layer = merged.dispatches / config.layers;
  out.llama_separate_dispatches_per_layer = separate.dispatches / config.layers;
  return out;
}
