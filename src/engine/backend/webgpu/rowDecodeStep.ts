/**
 * A whole decoding step of the lab's GPT-shaped student (T = 1 with a KV cache) as ONE WebGPU
 * dispatch: one workgroup per batch row runs the embedding, every block, the final LayerNorm,
 * the tied head and the token pick for its row. In decoding the rows never meet (each attends to
 * its own cache), so nothing crosses workgroups. On a real GPU a step was bound by per-dispatch
 * cost (an H200: ~0.25 ms each, 27 dispatches a lab step); here it is one, plus the ids' copy.
 *
 * Per row b (d = H hd, m = the MLP width; rows of `state` hold [picked id | caches]):
 *   x = wte[tok_b] (+ wpe[pos_b])
 *   each layer:  q|k|v = LN1(x) Wqkv + bqkv
 *                cache[slot] = [rope(k), v]                     slot = len - 1
 *                y_h = sum_j p_j v_j,  p = softmax_j(rope(q_h) . k_j / sqrt(hd)),  pad_b <= j < len
 *                x += y Wo + bo;   x += GELU(LN2(x) W1 + b1) W2 + b2
 *   id_b = argmax_v (LN_f(x) . wte[v] / T + g[b, v])               (T = 0: argmax of the logits)
 * pad_b = len - 1 - pos_b: the row's left padding (sample() left-pads prompts; a new token of
 * row b sits at position len(prompt_b) + s in column P + s). The softmax runs online over tiles
 * of keys (m' = max(m, max s), l' = l e^(m - m') + sum e^(s - m'), acc' = acc e^(m - m') + sum p v),
 * the MLP over chunks of its width, so the row's working set stays in workgroup memory
 * (d <= 256). LayerNorm, GELU (tanh form as x sigmoid(2u)) and RoPE as the other kernels here.
 * Forward only; the weights come packed in one buffer (rowDecodeLayout).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { ModelConfig } from '../../model/config';
import { lowestArgmaxTree } from './gumbelPick';
import {
  checkShapes,
  f32Literal,
  registerWebGPUKernels,
  runInPlace,
  type KernelArgs,
} from './program';
import { hookShader } from './shaderTestHook';

export const ROW_DECODE_KERNEL = 'ThinkTuningRowDecodeStep';

/** Widest model the kernel takes: each thread owns one lane of the row's hidden state, and a
 * workgroup has at most 256 (WebGPU's default maxComputeInvocationsPerWorkgroup). */
export const ROW_MAX_DMODEL = 256;

/** Threads per row: the power of two >= dModel, at least 64 (idle lanes cost on small models). */
export function rowWorkgroupSize(dModel: number): number {
  let wg = 64;
  while (wg < dModel) wg *= 2;
  return wg;
}

const EPS = 1e-5;
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/** Offsets (in floats) of each weight in the packed buffer; per-layer ones from a layer's start. */
export interface RowDecodeLayout {
  layer: {
    ln1g: number;
    ln1b: number;
    wqkv: number;
    bqkv: number;
    wo: number;
    bo: number;
    ln2g: number;
    ln2b: number;
    w1: number;
    b1: number;
    w2: number;
    b2: number;
  };
  /** Floats per layer; layer l starts at l * layerSize. */
  layerSize: number;
  lnfg: number;
  lnfb: number;
  wte: number;
  /** Learned positions (absent with RoPE). */
  wpe: number | null;
  /** RoPE's inverse frequencies [hd / 2] (absent with learned positions). */
  invFreq: number | null;
  /** Floats in all. */
  size: number;
}

/** The packing order: every layer's 12 tensors, then ln_f, wte, then wpe or RoPE's invFreq. */
export function rowDecodeLayout(c: ModelConfig): RowDecodeLayout {
  const d = c.dModel;
  const m = c.mlpRatio * d;
  const sizes = {
    ln1g: d,
    ln1b: d,
    wqkv: d * 3 * d,
    bqkv: 3 * d,
    wo: d * d,
    bo: d,
    ln2g: d,
    ln2b: d,
    w1: d * m,
    b1: m,
    w2: m * d,
    b2: d,
  };
  let at = 0;
  const layer = {} as RowDecodeLayout['layer'];
  for (const [k, n] of Object.entries(sizes)) {
    layer[k as keyof typeof sizes] = at;
    at += n;
  }
  const layerSize = at;
  at = c.layers * layerSize;
  const lnfg = at;
  const lnfb = (at += d);
  const wte = (at += d);
  at += c.vocab * d;
  const rope = c.positions === 'rope';
  const wpe = rope ? null : at;
  const invFreq = rope ? at : null;
  at += rope ? d / c.heads / 2 : c.context * d;
  return { layer, layerSize, lnfg, lnfb, wte, wpe, invFreq, size: at };
}

/** Floats per row of the decoding state: the picked id, then L x [H, capacity, 2 hd] caches. */
export function rowStateWidth(c: ModelConfig, capacity: number): number {
  return 1 + c.layers * 2 * c.dModel * capacity;
}

/**
 * Test hook compiled into the shader (1 = correct): a factor on the attention scores. The parity
 * test sets it to show that a broken kernel changes the tokens.
 */
export const rowDecodeTestHooks = { scoreFactor: 1 };

class RowDecodeProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms = 'len : i32, temperature : f32,';

  constructor(
    private c: ModelConfig,
    private capacity: number,
    stateShape: number[],
    private sampled: boolean,
    tokDtype: string,
    private factor: number,
  ) {
    this.outputShape = stateShape;
    this.variableNames = sampled ? ['wIn', 'tokIn', 'posIn', 'noiseIn'] : ['wIn', 'tokIn', 'posIn'];
    this.dispatch = [stateShape[0], 1, 1];
    this.workgroupSize = [rowWorkgroupSize(c.dModel), 1, 1];
    const { vocab, dModel, layers, heads, mlpRatio, context, positions } = c;
    this.shaderKey = `ttRowDecode_${[vocab, dModel, layers, heads, mlpRatio, context, positions, capacity, sampled, tokDtype, factor].join('_')}`;
  }

  getUserCode(): string {
    const c = this.c;
    const D = c.dModel;
    const H = c.heads;
    const HD = D / H;
    const F = c.mlpRatio * D;
    const C = this.capacity;
    const WG = this.workgroupSize[0];
    const TJ = Math.floor(WG / H); // keys per attention tile: H x TJ scores, one a thread
    const lay = rowDecodeLayout(c);
    const o = lay.layer;
    const rope = lay.invFreq !== null;
    const cacheLayer = H * C * 2 * HD;
    const stride = rowStateWidth(c, C);
    const half = HD / 2;
    // lane i of the head starting at qkvS[base], rotated by position p (rope.ts' rotate_half)
    const rot = rope
      ? `fn rot(base : i32, i : i32, p : f32) -> f32 {
        let a = p * wIn[${lay.invFreq} + i % ${half}];
        let lo = i < ${half};
        let partner = select(1.0, -1.0, lo) * qkvS[base + select(i - ${half}, i + ${half}, lo)];
        return qkvS[base + i] * cos(a) + partner * sin(a);
      }`
      : `fn rot(base : i32, i : i32, p : f32) -> f32 { return qkvS[base + i]; }`;
    const pick = this.sampled ? `z / uniforms.temperature + noiseIn[row * ${c.vocab} + v]` : 'z';
    const factor = this.factor === 1 ? '' : ` * ${f32Literal(this.factor)}`;
    return `
    var<workgroup> xS : array<f32, ${D}>;
    var<workgroup> nS : array<f32, ${D}>;
    var<workgroup> qkvS : array<f32, ${3 * D}>;
    var<workgroup> yS : array<f32, ${D}>;
    var<workgroup> hS : array<f32, ${WG}>;
    var<workgroup> sS : array<f32, ${H * TJ}>;
    var<workgroup> red : array<f32, ${WG}>;
    var<workgroup> redI : array<i32, ${WG}>;
    var<private> tid : i32;

    // sum of v over the workgroup (every thread gets it)
    fn total(v : f32) -> f32 {
      red[tid] = v;
      workgroupBarrier();
      for (var s = ${WG / 2}; s > 0; s = s >> 1) {
        if (tid < s) { red[tid] += red[tid + s]; }
        workgroupBarrier();
      }
      let r = red[0];
      workgroupBarrier();
      return r;
    }

    // nS = (x - mean) rstd g + b,  rstd = 1 / sqrt(mean((x - mean)^2) + eps)
    fn layerNorm(g : i32, b : i32) {
      var s = 0.0;
      for (var k = tid; k < ${D}; k += ${WG}) { s += xS[k]; }
      let mean = total(s) / ${D}.0;
      var v = 0.0;
      for (var k = tid; k < ${D}; k += ${WG}) { let e = xS[k] - mean; v += e * e; }
      let rstd = inverseSqrt(total(v) / ${D}.0 + ${f32Literal(EPS)});
      for (var k = tid; k < ${D}; k += ${WG}) { nS[k] = (xS[k] - mean) * rstd * wIn[g + k] + wIn[b + k]; }
      workgroupBarrier();
    }

    ${rot}

    fn main(index : i32) {
      tid = i32(localId.x);
      let row = i32(workgroupId.x);
      let len = uniforms.len;
      let pos = posIn[row];
      let p = f32(pos);
      let pad = len - 1 - pos; // keys before it are the row's left padding
      let tok = i32(tokIn[row]);
      for (var k = tid; k < ${D}; k += ${WG}) {
        xS[k] = wIn[${lay.wte} + tok * ${D} + k]${lay.wpe === null ? '' : ` + wIn[${lay.wpe} + pos * ${D} + k]`};
      }
      workgroupBarrier();
      for (var l = 0; l < ${c.layers}; l++) {
        let w = l * ${lay.layerSize};
        let cache = row * ${stride} + 1 + l * ${cacheLayer};
        layerNorm(w + ${o.ln1g}, w + ${o.ln1b});
        for (var n = tid; n < ${3 * D}; n += ${WG}) {
          var a = wIn[w + ${o.bqkv} + n];
          for (var k = 0; k < ${D}; k++) { a += nS[k] * wIn[w + ${o.wqkv} + k * ${3 * D} + n]; }
          qkvS[n] = a;
        }
        workgroupBarrier();
        // the new key (rotated) and value into slot len - 1; the query, rotated and scaled, into nS
        for (var e = tid; e < ${2 * D}; e += ${WG}) {
          let h = e / ${2 * HD};
          let i = e % ${2 * HD};
          var val = 0.0;
          if (i < ${HD}) { val = rot(${D} + h * ${HD}, i, p); } else { val = qkvS[${2 * D} + h * ${HD} + i - ${HD}]; }
          result[cache + (h * ${C} + len - 1) * ${2 * HD} + i] = val;
        }
        for (var e = tid; e < ${D}; e += ${WG}) {
          nS[e] = rot((e / ${HD}) * ${HD}, e % ${HD}, p) * ${f32Literal(1 / Math.sqrt(HD))};
        }
        storageBarrier();
        workgroupBarrier();
        // thread e < d owns lane e % hd of head e / hd
        let hh = min(tid, ${D - 1}) / ${HD};
        var m = -3.0e38;
        var lsum = 0.0;
        var acc = 0.0;
        for (var j0 = 0; j0 < len; j0 += ${TJ}) {
          if (tid < ${H * TJ}) {
            let sh = tid / ${TJ};
            let j = j0 + tid % ${TJ};
            var s = -3.0e38;
            if (j < len && j >= pad) {
              let kb = cache + (sh * ${C} + j) * ${2 * HD};
              var dot = 0.0;
              for (var i = 0; i < ${HD}; i++) { dot += nS[sh * ${HD} + i] * result[kb + i]; }
              s = dot${factor};
            }
            sS[tid] = s;
          }
          workgroupBarrier();
          if (tid < ${D}) {
            var tmax = -3.0e38;
            for (var jj = 0; jj < ${TJ}; jj++) { tmax = max(tmax, sS[hh * ${TJ} + jj]); }
            let mNew = max(m, tmax);
            let corr = exp(m - mNew);
            lsum *= corr;
            acc *= corr;
            for (var jj = 0; jj < ${TJ}; jj++) {
              let s = sS[hh * ${TJ} + jj];
              if (s > -1.0e38) {
                let pj = exp(s - mNew);
                lsum += pj;
                acc += pj * result[cache + (hh * ${C} + j0 + jj) * ${2 * HD} + ${HD} + tid % ${HD}];
              }
            }
            m = mNew;
          }
          workgroupBarrier();
        }
        if (tid < ${D}) { yS[tid] = acc / lsum; }
        workgroupBarrier();
        // x += y Wo + bo
        for (var n = tid; n < ${D}; n += ${WG}) {
          var a = wIn[w + ${o.bo} + n];
          for (var k = 0; k < ${D}; k++) { a += yS[k] * wIn[w + ${o.wo} + k * ${D} + n]; }
          xS[n] += a;
        }
        workgroupBarrier();
        // x += GELU(LN2(x) W1 + b1) W2 + b2, the MLP width in chunks of ${WG}
        layerNorm(w + ${o.ln2g}, w + ${o.ln2b});
        var mlp = 0.0;
        for (var c0 = 0; c0 < ${F}; c0 += ${WG}) {
          let f = c0 + tid;
          if (f < ${F}) {
            var a = wIn[w + ${o.b1} + f];
            for (var k = 0; k < ${D}; k++) { a += nS[k] * wIn[w + ${o.w1} + k * ${F} + f]; }
            let z = a * (a * a * ${f32Literal(2 * GELU_C * GELU_A)} + ${f32Literal(2 * GELU_C)});
            hS[tid] = a / (1.0 + exp(-z));
          }
          workgroupBarrier();
          if (tid < ${D}) {
            let n = min(${WG}, ${F} - c0);
            for (var jj = 0; jj < n; jj++) { mlp += hS[jj] * wIn[w + ${o.w2} + (c0 + jj) * ${D} + tid]; }
          }
          workgroupBarrier();
        }
        if (tid < ${D}) { xS[tid] += mlp + wIn[w + ${o.b2} + tid]; }
        workgroupBarrier();
      }
      // logits z_v = LN_f(x) . wte[v]; each thread keeps its first best, then a tree keeps the
      // larger, or on a tie the lower v (the cpu backend's argMax)
      layerNorm(${lay.lnfg}, ${lay.lnfb});
      var best = 0.0;
      var bi = -1;
      for (var v = tid; v < ${c.vocab}; v += ${WG}) {
        var z = 0.0;
        for (var k = 0; k < ${D}; k++) { z += nS[k] * wIn[${lay.wte} + v * ${D} + k]; }
        let zv = ${pick};
        if (bi < 0 || zv > best) { best = zv; bi = v; }
      }
      red[tid] = best;
      redI[tid] = bi;
      workgroupBarrier();
      ${lowestArgmaxTree(WG, 'red', 'redI', 'tid')}
      if (tid == 0) { result[row * ${stride}] = f32(redI[0]); }
    }`;
  }
}

function rowDecodeKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const state = inputs.state!;
  const sampled = inputs.noiseIn !== undefined;
  const program = hookShader(
    new RowDecodeProgram(
      JSON.parse(String(attrs!.config)) as ModelConfig,
      Number(attrs!.capacity),
      state.shape,
      sampled,
      inputs.tokIn!.dtype,
      Number(attrs!.factor),
    ),
  );
  // The state is the output: written in place (ids and each layer's new slot).
  return runInPlace(backend, program, inputs, state, [
    { type: 'int32', data: [Number(attrs!.len)] },
    { type: 'float32', data: [Number(attrs!.temperature)] },
  ]);
}

/** Registers the kernel for 'webgpu' (idempotent). */
export function registerRowDecodeStep(): void {
  registerWebGPUKernels([[ROW_DECODE_KERNEL, rowDecodeKernel]]);
}

export interface RowDecodeInputs {
  /** All weights, packed as rowDecodeLayout(config) says. */
  weights: tf.Tensor1D;
  /** This step's input token per row [n] (int32, or float32 ids from the state). */
  tokens: tf.Tensor1D;
  /** Its position per row [n] (int32). */
  positions: tf.Tensor1D;
  /** Gumbel noise [n, V] (sampling), or null: greedy. */
  noise: tf.Tensor2D | null;
  /** Keys after this step (the new one included): the token is written to slot length - 1. */
  length: number;
  /** Softmax temperature (> 0 with noise). */
  temperature: number;
}

/**
 * Runs one decoding step for every row of `state` [n, rowStateWidth(config, capacity)] in one
 * dispatch: appends each layer's key and value at slot length - 1 and writes the picked id into
 * column 0, in place. Returns a new handle on the same buffer.
 */
export function rowDecodeStep(
  config: ModelConfig,
  capacity: number,
  state: tf.Tensor2D,
  x: RowDecodeInputs,
): tf.Tensor2D {
  registerRowDecodeStep();
  const op = 'rowDecodeStep';
  const n = state.shape[0];
  const V = config.vocab;
  const width = rowStateWidth(config, capacity);
  const packed = rowDecodeLayout(config).size;
  checkShapes(
    op,
    state.shape[1] === width &&
      x.weights.size === packed &&
      x.tokens.size === n &&
      x.positions.size === n &&
      x.positions.dtype === 'int32' &&
      (x.noise === null || x.noise.size === n * V),
    `state must be [n, ${width}], weights ${packed} floats, tokens and int32 positions [n], noise [n, ${V}]`,
    {
      state: state.shape,
      weights: x.weights.shape,
      tokens: x.tokens.shape,
      positions: x.positions.shape,
      noise: x.noise?.shape ?? null,
    },
  );
  checkShapes(
    op,
    Number.isInteger(x.length) && x.length >= 1 && x.length <= capacity,
    `length must be in [1, ${capacity}]`,
    { length: x.length },
  );
  checkShapes(op, config.dModel <= ROW_MAX_DMODEL, `dModel must be <= ${ROW_MAX_DMODEL}`, {
    dModel: config.dModel,
  });
  const inputs: tf.NamedTensorMap = {
    state,
    wIn: x.weights,
    tokIn: x.tokens,
    posIn: x.positions,
  };
  if (x.noise) inputs.noiseIn = x.noise;
  return tf.engine().runKernel(ROW_DECODE_KERNEL, inputs, {
    config: JSON.stringify(config),
    capacity,
    len: x.length,
    temperature: x.temperature,
    factor: rowDecodeTestHooks.scoreFactor,
  }) as tf.Tensor2D;
}
