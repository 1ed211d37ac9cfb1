/**
 * The fused decoding kernels (src/engine/backend/webgpu/, src/engine/model/fusedDecode.ts) on
 * tfjs's WebGPU backend, for parityMain.ts: each kernel against a float64 formula at the tiny
 * (d 64, 4 heads) and lab (d 256, 8 heads) shapes, whole greedy decodes against the cpu backend,
 * dispatches per layer per decoding step, tensor counts across steps, and one deliberately
 * broken kernel. Returns flat figures; webgpuKernels.test.ts asserts on them.
 */
import * as tf from '@tensorflow/tfjs';
import { countDecodeStep } from '../../bench/decodeCounts';
import { startWorkCounter } from '../../src/engine/backend/counters';
import {
  appendKV,
  decodeAttention,
  decodeAttentionTestHooks,
} from '../../src/engine/backend/webgpu/decodeAttention';
import { fusedLinear, type FusedLinearOptions } from '../../src/engine/backend/webgpu/fusedLinear';
import type { ModelConfig } from '../../src/engine/model/config';
import { rowDecodeTestHooks } from '../../src/engine/backend/webgpu/rowDecodeStep';
import { fusedDecoding } from '../../src/engine/model/fusedDecode';
import { rowDecoding } from '../../src/engine/model/rowDecoder';
import { namedParams } from '../../src/engine/model/params';
import { ropeInvFreq } from '../../src/engine/model/rope';
import { sample, type SampleOptions } from '../../src/engine/model/sample';
import { TransformerModel } from '../../src/engine/model/transformer';
import { counted, maxDiff, rand } from './util';

type Figures = Record<string, number | string | boolean>;

/** max |a - ref| / max |ref|. */
const relDiff = (a: ArrayLike<number>, ref: ArrayLike<number>) =>
  maxDiff(a, ref) / Math.max(1e-30, ...Array.from(ref, Math.abs));

const geluRef = (x: number) =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

interface LinearCase {
  name: string;
  rows: number;
  K: number;
  N: number;
  bias?: boolean;
  ln?: boolean;
  gelu?: boolean;
  res?: boolean;
  tw?: boolean;
}

/** y = act(pre(x) @ W + b) + res in float64 from the same float32 inputs. */
function linearRef(
  c: LinearCase,
  x: Float32Array,
  w: Float32Array,
  a: Record<string, Float32Array>,
) {
  const y = new Float64Array(c.rows * c.N);
  for (let r = 0; r < c.rows; r++) {
    const xr = Array.from(x.subarray(r * c.K, (r + 1) * c.K));
    let xin = xr;
    if (c.ln) {
      const m = xr.reduce((s, v) => s + v, 0) / c.K;
      const rstd = 1 / Math.sqrt(xr.reduce((s, v) => s + (v - m) ** 2, 0) / c.K + 1e-5);
      xin = xr.map((v, k) => (v - m) * rstd * a.gamma[k] + a.beta[k]);
    }
    for (let n = 0; n < c.N; n++) {
      let s = c.bias ? a.bias[n] : 0;
      for (let k = 0; k < c.K; k++) s += xin[k] * (c.tw ? w[n * c.K + k] : w[k * c.N + n]);
      if (c.gelu) s = geluRef(s);
      if (c.res) s += a.res[r * c.N + n];
      y[r * c.N + n] = s;
    }
  }
  return y;
}

async function linearChecks(out: Figures) {
  const cases: LinearCase[] = [
    { name: 'tiny_qkv', rows: 3, K: 64, N: 192, bias: true, ln: true },
    { name: 'lab_w1', rows: 5, K: 256, N: 1024, bias: true, ln: true, gelu: true },
    { name: 'lab_w2', rows: 5, K: 1024, N: 256, bias: true, res: true },
    { name: 'tiny_head', rows: 2, K: 64, N: 97, ln: true, tw: true },
  ];
  for (const [i, c] of cases.entries()) {
    const x = rand(c.rows * c.K, 100 + i, 2, 0.3);
    const w = rand(c.K * c.N, 200 + i, 1 / Math.sqrt(c.K));
    const a = {
      bias: rand(c.N, 300 + i, 0.5),
      gamma: rand(c.K, 400 + i, 0.3, 1),
      beta: rand(c.K, 500 + i, 0.3),
      res: rand(c.rows * c.N, 600 + i),
    };
    const o: FusedLinearOptions = {
      bias: c.bias ? tf.tensor1d(a.bias) : undefined,
      layerNorm: c.ln
        ? { gamma: tf.tensor1d(a.gamma), beta: tf.tensor1d(a.beta), eps: 1e-5 }
        : undefined,
      act: c.gelu ? 'gelu' : undefined,
      residual: c.res ? tf.tensor2d(a.res, [c.rows, c.N]) : undefined,
      transposeW: c.tw,
    };
    const xt = tf.tensor2d(x, [c.rows, c.K]);
    const wt = tf.tensor2d(w, c.tw ? [c.N, c.K] : [c.K, c.N]);
    const { result, dispatches } = counted(() => fusedLinear(xt, wt, o));
    out[`linear_${c.name}_rel`] = relDiff(await result.data(), linearRef(c, x, w, a));
    out[`linear_${c.name}_dispatches`] = dispatches;
    tf.dispose(
      [xt, wt, result, o.bias!, o.residual!, o.layerNorm?.gamma, o.layerNorm?.beta].filter(
        Boolean,
      ) as tf.Tensor[],
    );
  }
}

interface AttnCase {
  name: string;
  B: number;
  H: number;
  hd: number;
  C: number;
  len: number;
  rope: boolean;
  bias: boolean;
}

/** rope(x) of one head (float64), rotate_half layout. */
function ropeRef(x: ArrayLike<number>, pos: number, inv: Float32Array): number[] {
  const half = x.length / 2;
  return Array.from(x, (v, i) => {
    const a = Math.fround(pos * inv[i % half]);
    const partner = i < half ? -x[i + half] : x[i - half];
    return v * Math.cos(a) + partner * Math.sin(a);
  });
}

/** Appends the new key/value, then attends; both against float64. */
async function attentionCase(c: AttnCase, seed: number) {
  const d = c.H * c.hd;
  const qkv = rand(c.B * 3 * d, seed, 1.5);
  const kc = rand(c.B * c.H * c.C * c.hd, seed + 1);
  const vc = rand(c.B * c.H * c.C * c.hd, seed + 2);
  const pos = Int32Array.from({ length: c.B }, (_, b) => c.len - 1 - 2 * b + 7);
  const inv = Float32Array.from(ropeInvFreq(c.hd, { theta: 10_000, scaling: null }));
  const pads = Array.from({ length: c.B }, (_, b) => 3 * b);
  const biasArr = new Float32Array(c.B * c.len);
  pads.forEach((p, b) => biasArr.fill(-1e9, b * c.len, b * c.len + p));
  const slot = c.len - 1;
  // the cache layout: position j of (b, h) holds [k (hd lanes), v (hd lanes)]
  const kvc = new Float32Array(2 * kc.length);
  for (let r = 0; r < kc.length / c.hd; r++) {
    kvc.set(kc.subarray(r * c.hd, (r + 1) * c.hd), 2 * r * c.hd);
    kvc.set(vc.subarray(r * c.hd, (r + 1) * c.hd), (2 * r + 1) * c.hd);
  }
  const ts = {
    qkv: tf.tensor2d(qkv, [c.B, 3 * d]),
    kv: tf.tensor4d(kvc, [c.B, c.H, c.C, 2 * c.hd]),
    pos: tf.tensor1d(pos, 'int32'),
    inv: tf.tensor1d(inv),
    bias: tf.tensor4d(biasArr, [c.B, 1, 1, c.len]),
  };
  const rope = c.rope ? { positions: ts.pos, invFreq: ts.inv } : undefined;
  const { result, dispatches } = counted(() => {
    const kv = appendKV(ts.kv, ts.qkv, slot, rope);
    const y = decodeAttention(ts.qkv, kv, {
      length: c.len,
      scale: 1 / Math.sqrt(c.hd),
      bias: c.bias ? ts.bias : undefined,
      rope,
    });
    return { kv, y };
  });
  const [kvGot, yGot] = await Promise.all([result.kv.data(), result.y.data()]);
  const lanes = (part: 0 | 1) =>
    Float32Array.from({ length: kc.length }, (_, i) => {
      const r = Math.floor(i / c.hd);
      return kvGot[(2 * r + part) * c.hd + (i % c.hd)];
    });
  const [kGot, vGot] = [lanes(0), lanes(1)];
  // float64 reference: cache rows j < slot as given, row slot = rope(k_new) / v_new
  const kRef = Float64Array.from(kc);
  const vRef = Float64Array.from(vc);
  const yRef = new Float64Array(c.B * d);
  for (let b = 0; b < c.B; b++)
    for (let h = 0; h < c.H; h++) {
      const at = (part: number) =>
        qkv.subarray(b * 3 * d + part * d + h * c.hd, b * 3 * d + part * d + (h + 1) * c.hd);
      const q = c.rope ? ropeRef(at(0), pos[b], inv) : Array.from(at(0));
      const kNew = c.rope ? ropeRef(at(1), pos[b], inv) : Array.from(at(1));
      const row = (b * c.H + h) * c.C;
      kNew.forEach((v, i) => (kRef[(row + slot) * c.hd + i] = v));
      at(2).forEach((v, i) => (vRef[(row + slot) * c.hd + i] = v));
      const s = Array.from({ length: c.len }, (_, j) => {
        let dot = 0;
        for (let i = 0; i < c.hd; i++) dot += q[i] * kRef[(row + j) * c.hd + i];
        return dot / Math.sqrt(c.hd) + (c.bias ? biasArr[b * c.len + j] : 0);
      });
      const m = Math.max(...s);
      const e = s.map((x) => Math.exp(x - m));
      const z = e.reduce((x, y) => x + y, 0);
      for (let i = 0; i < c.hd; i++) {
        let acc = 0;
        for (let j = 0; j < c.len; j++) acc += (e[j] / z) * vRef[(row + j) * c.hd + i];
        yRef[b * d + h * c.hd + i] = acc;
      }
    }
  const figures = {
    append_k: relDiff(kGot, kRef),
    append_v: maxDiff(vGot, vRef), // a copy: exact
    attention: relDiff(yGot, yRef),
    dispatches,
  };
  tf.dispose([...Object.values(ts), result.kv, result.y]);
  return figures;
}

async function attentionChecks(out: Figures) {
  const cases: AttnCase[] = [
    { name: 'tiny', B: 3, H: 4, hd: 16, C: 128, len: 100, rope: true, bias: true },
    { name: 'lab', B: 2, H: 8, hd: 32, C: 160, len: 150, rope: true, bias: true },
    { name: 'wide', B: 2, H: 2, hd: 80, C: 20, len: 5, rope: false, bias: false },
  ];
  for (const [i, c] of cases.entries()) {
    const r = await attentionCase(c, 700 + 10 * i);
    for (const [k, v] of Object.entries(r)) out[`attn_${c.name}_${k}`] = v;
  }
  // A broken kernel (every score x 1.01) must fail the same comparison.
  decodeAttentionTestHooks.scoreFactor = 1.01;
  try {
    out.attn_broken_attention = (await attentionCase(cases[0], 700)).attention;
  } finally {
    decodeAttentionTestHooks.scoreFactor = 1;
  }
}

/** A model with O(1) weights (GPT-2's 0.02 init gives near-uniform logits and fragile argmaxes). */
async function arraysFor(cfg: ModelConfig, seed: number): Promise<Map<string, Float32Array>> {
  const m = TransformerModel.create(cfg, seed);
  const names = namedParams(m.params).map(([n, v]) => [n, v.size, v.shape] as const);
  m.dispose();
  return new Map(
    names.map(([n, size, shape], i) => {
      const fanIn = shape.length === 2 ? shape[0] : 1;
      const isGain = /ln.*weight|ln_f.weight/.test(n);
      const scale = n === 'wte.weight' ? 1 : shape.length === 2 ? 1.5 / Math.sqrt(fanIn) : 0.1;
      return [n, rand(size, seed * 100 + i, isGain ? 0.2 : scale, isGain ? 1 : 0)];
    }),
  );
}

const PROMPTS = [
  [5, 9, 2],
  [7, 1, 3, 8, 4, 6],
  [11, 12],
  [3, 5, 7, 9, 11, 13, 15, 17],
];

/** Greedy decode with per-step logits (no packing while they are watched). */
async function decodeWatched(model: TransformerModel, o: SampleOptions) {
  const kept: tf.Tensor[] = [];
  const tensors: number[] = [];
  const r = await sample(model, PROMPTS, {
    ...o,
    onLogits: (_s, l) => kept.push(l.clone()), // read after: no synchronous reads on WebGPU
    onStep: () => tensors.push(tf.memory().numTensors - kept.length),
  });
  const logits = await Promise.all(kept.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(kept);
  return { tokens: r.tokens, logits, tensors };
}

/** A decode without watching logits (sample()'s one-dispatch row decoder where it applies). */
async function decodeRows(model: TransformerModel, o: SampleOptions) {
  const tensors: number[] = [];
  const c = startWorkCounter();
  try {
    const r = await sample(model, PROMPTS, {
      ...o,
      onStep: () => tensors.push(tf.memory().numTensors),
    });
    return { ...r, tensors, dispatches: c.counts().dispatches ?? 0 };
  } finally {
    c.restore();
  }
}

const same = (a: number[][], b: number[][]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The row decoder (one dispatch a step: rowDecodeStep.ts) against the cpu backend: greedy and
 * sampled tokens, EOS packing, dispatches a step (from the difference of two lengths), tensors
 * flat across steps; a deliberately broken kernel changes the tokens.
 */
async function rowChecks(
  name: string,
  gpuModel: TransformerModel,
  cpuModel: TransformerModel,
  greedy: SampleOptions,
  eos: number,
  out: Figures,
) {
  const sampled = { ...greedy, temperature: 1, seed: 5 };
  await tf.setBackend('cpu');
  const cpuGreedy = await sample(cpuModel, PROMPTS, greedy);
  const cpuSampled = await sample(cpuModel, PROMPTS, sampled);
  const cpuPacked = await sample(cpuModel, PROMPTS, { ...greedy, eosId: eos });
  await tf.setBackend('webgpu');
  const g = await decodeRows(gpuModel, greedy);
  out[`row_${name}_same_tokens`] = same(g.tokens, cpuGreedy.tokens);
  out[`row_${name}_sampled_same_tokens`] = same(
    (await decodeRows(gpuModel, sampled)).tokens,
    cpuSampled.tokens,
  );
  const packed = await decodeRows(gpuModel, { ...greedy, eosId: eos });
  out[`row_${name}_packed_same_tokens`] =
    same(packed.tokens, cpuPacked.tokens) &&
    cpuPacked.finished.some((f) => f) &&
    cpuPacked.finished.some((f) => !f);
  // tensors alive at each step but the last (which queues no step ahead: one handle fewer)
  const alive = g.tensors.slice(0, -1);
  out[`row_${name}_tensor_growth`] = Math.max(...alive) - Math.min(...alive);
  const short = await decodeRows(gpuModel, { ...greedy, maxNewTokens: greedy.maxNewTokens - 4 });
  out[`row_${name}_dispatches_per_step`] = (g.dispatches - short.dispatches) / 4;
  if (name !== 'tiny') return;
  // every attention score x 1.5, compiled into the kernel: the greedy tokens change
  rowDecodeTestHooks.scoreFactor = 1.5;
  try {
    out.row_broken_same_tokens = same((await decodeRows(gpuModel, greedy)).tokens, g.tokens);
  } finally {
    rowDecodeTestHooks.scoreFactor = 1;
  }
}

async function modelChecks(out: Figures) {
  const models: Array<[string, ModelConfig]> = [
    [
      'tiny',
      { vocab: 97, dModel: 64, layers: 2, heads: 4, context: 64, mlpRatio: 4, positions: 'rope' },
    ],
    [
      'lab',
      { vocab: 97, dModel: 256, layers: 1, heads: 8, context: 48, mlpRatio: 4, positions: 'rope' },
    ],
    ['learned', { vocab: 97, dModel: 32, layers: 1, heads: 2, context: 40, mlpRatio: 2 }],
  ];
  const greedy: SampleOptions = {
    maxNewTokens: 16,
    temperature: 0,
    topP: 1,
    seed: 1,
    eosId: -1,
    padId: 0,
  };
  for (const [name, cfg] of models) {
    const t0 = performance.now();
    const arrays = await arraysFor(cfg, 31);
    await tf.setBackend('cpu');
    const cpuModel = TransformerModel.fromArrays(cfg, arrays);
    const cpu = await decodeWatched(cpuModel, greedy);
    // EOS = a token row 1 emits at its 4th step: rows finish at different steps and get packed
    const eos = cpu.tokens[1][3];
    const cpuPacked = await sample(cpuModel, PROMPTS, { ...greedy, eosId: eos });
    await tf.setBackend('webgpu');
    const gpuModel = TransformerModel.fromArrays(cfg, arrays);
    await rowChecks(name, gpuModel, cpuModel, greedy, eos, out);
    cpuModel.dispose();
    const gpu = await decodeWatched(gpuModel, greedy);
    out[`decode_${name}_same_tokens`] = JSON.stringify(gpu.tokens) === JSON.stringify(cpu.tokens);
    out[`decode_${name}_logits`] = Math.max(...gpu.logits.map((l, s) => relDiff(l, cpu.logits[s])));
    rowDecoding.enabled = false; // the per-layer path's packing (the row decoder's: rowChecks)
    const gpuPacked = await sample(gpuModel, PROMPTS, { ...greedy, eosId: eos }).finally(() => {
      rowDecoding.enabled = true;
    });
    out[`decode_${name}_packed_same_tokens`] =
      JSON.stringify(gpuPacked.tokens) === JSON.stringify(cpuPacked.tokens) &&
      cpuPacked.finished.some((f) => f) &&
      cpuPacked.finished.some((f) => !f);
    // tensors alive at each step: flat from step 2 (step 1 follows the prefill)
    const again = await decodeWatched(gpuModel, greedy);
    out[`decode_${name}_tensor_growth`] =
      Math.max(...again.tensors.slice(1)) - Math.min(...again.tensors.slice(1));
    // the tfjs path on WebGPU (tiny only: it compiles new shaders as the cache grows, slowly here)
    if (name === 'tiny') fusedDecoding.enabled = false;
    if (name === 'tiny')
      try {
        const unfused = await decodeWatched(gpuModel, greedy);
        out[`decode_${name}_vs_unfused_logits`] = Math.max(
          ...gpu.logits.map((l, s) => relDiff(l, unfused.logits[s])),
        );
        out[`decode_${name}_unfused_dispatches_per_layer`] =
          countDecodeStep(gpuModel, PROMPTS.length, 6).per_layer.dispatches ?? -1;
      } finally {
        fusedDecoding.enabled = true;
      }
    const counts = countDecodeStep(gpuModel, PROMPTS.length, 6);
    out[`decode_${name}_dispatches_per_layer`] = counts.per_layer.dispatches ?? -1;
    out[`decode_${name}_dispatches_forward`] = counts.forward.dispatches ?? -1;
    gpuModel.dispose();
    out[`seconds_decode_${name}`] = Math.round(performance.now() - t0) / 1000;
  }
}

/** All the fused-decoding figures (the backend must be webgpu). */
export async function decodeChecks(): Promise<Figures> {
  const out: Figures = {};
  for (const check of [linearChecks, attentionChecks, modelChecks]) {
    const t0 = performance.now();
    await check(out);
    out[`seconds_${check.name}`] = Math.round(performance.now() - t0) / 1000;
  }
  return out;
}
