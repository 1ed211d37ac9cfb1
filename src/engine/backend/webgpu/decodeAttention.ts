/**
 * Single-query attention over a preallocated KV cache, for one decoding step (T = 1), on WebGPU.
 * The cache of a layer is one tensor [B, H, C, 2 hd] of capacity C (the model's context): lanes
 * [0, hd) of a position hold its key (rotated when RoPE is on), lanes [hd, 2 hd) its value, and
 * the first `length` positions are filled. One tensor, so that one dispatch appends both.
 *
 *   appendKV:        cache[b, h, slot, :] = [rope_pos(b)(k_new[b, h, :]), v_new[b, h, :]], in place
 *   decodeAttention: y[b, h, :] = sum_j p_j v[b, h, j, :],
 *                    p = softmax_j(scale rope(q)[b, h] . k[b, h, j] + bias[b, j]),  j < length
 *
 * q, k and v come straight from the qkv projection [B, 3d] (d = H hd; q | k | v). RoPE is
 * rope(x)_i = x_i cos(a_i) + rotate_half(x)_i sin(a_i), a_i = pos * invFreq[i mod hd/2],
 * rotate_half([x1, x2]) = [-x2, x1] (rope.ts). The softmax runs online over tiles of 64 keys:
 * m' = max(m, max_tile s), l' = l e^(m - m') + sum_tile e^(s - m'), acc' = acc e^(m - m') + sum p v.
 * Forward only (decoding); no gradient is registered.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import {
  asWebGPU,
  checkShapes,
  f32Literal,
  registerWebGPUKernels,
  runInPlace,
  shaped,
  type KernelArgs,
} from './program';

export const KV_APPEND_KERNEL = 'ThinkTuningKVAppend';
export const DECODE_ATTENTION_KERNEL = 'ThinkTuningDecodeAttention';

const WG = 64;

/**
 * Test hook: a factor on every attention score, compiled into the shader (1 = correct). The
 * parity test sets it to show that a broken kernel fails the comparison.
 */
export const decodeAttentionTestHooks = { scoreFactor: 1 };

/** Per-row positions [B] (int32) and RoPE's inverse frequencies [hd/2] (float32). */
export interface RopeInputs {
  positions: tf.Tensor;
  invFreq: tf.Tensor;
}

/** WGSL: value of lane i of a head whose lanes start at src[base], rotated by position p. */
function ropeSnippet(hd: number): string {
  const half = hd / 2;
  return `
    fn ropeLane(base : i32, i : i32, p : f32) -> f32 {
      let a = p * invFreqIn[i % ${half}];
      // rotate_half: lane i < half takes -x[i + half], lane i >= half takes x[i - half]
      let lo = i < ${half};
      let partner = select(1.0, -1.0, lo) * qkvIn[base + select(i - ${half}, i + ${half}, lo)];
      return qkvIn[base + i] * cos(a) + partner * sin(a);
    }`;
}

class KVAppendProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0, 1, 2, 3] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'slot : i32,';

  constructor(
    cacheShape: number[],
    private rope: boolean,
  ) {
    const [B, H, , hd2] = cacheShape;
    this.outputShape = cacheShape;
    this.variableNames = rope ? ['qkvIn', 'posIn', 'invFreqIn'] : ['qkvIn'];
    this.dispatch = [Math.ceil((B * H * hd2) / WG), 1, 1];
    this.shaderKey = `ttKVAppend_${cacheShape.slice(1).join('x')}_${rope}`;
  }

  getUserCode(): string {
    const [, H, C, hd2] = this.outputShape;
    const hd = hd2 / 2;
    const d = H * hd;
    // lane i < hd: the key (part 1 of qkv), rotated; lane hd + i: the value (part 2)
    const kAt = `b * ${3 * d} + ${d} + h * ${hd}`;
    const vAt = `b * ${3 * d} + ${2 * d} + h * ${hd}`;
    const key = this.rope ? `ropeLane(${kAt}, i, f32(posIn[b]))` : `qkvIn[${kAt} + i]`;
    return `
    ${this.rope ? ropeSnippet(hd) : ''}
    fn main(index : i32) {
      let B = uniforms.qkvInShape[0];
      if (index >= B * ${H * hd2}) { return; }
      let b = index / ${H * hd2};
      let h = (index / ${hd2}) % ${H};
      let i = index % ${hd2};
      var value = 0.0;
      if (i < ${hd}) { value = ${key}; } else { value = qkvIn[${vAt} + i - ${hd}]; }
      result[((b * ${H} + h) * ${C} + uniforms.slot) * ${hd2} + i] = value;
    }`;
  }
}

class DecodeAttentionProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'len : i32, scale : f32,';

  constructor(
    B: number,
    private H: number,
    private C: number,
    private hd: number,
    private bias: boolean,
    private rope: boolean,
    private factor: number,
  ) {
    this.outputShape = [B, H * hd];
    this.variableNames = ['qkvIn', 'kvIn'];
    if (bias) this.variableNames.push('biasIn');
    if (rope) this.variableNames.push('posIn', 'invFreqIn');
    this.dispatch = [H, B, 1];
    this.shaderKey = `ttDecodeAttention_${H}_${C}_${hd}_${bias}_${rope}_${factor}`;
  }

  getUserCode(): string {
    const { H, C, hd } = this;
    const d = H * hd;
    const lanes = Math.ceil(hd / WG); // output lanes per thread
    const qAt = this.rope ? `ropeLane(qBase, i, f32(posIn[b]))` : `qkvIn[qBase + i]`;
    const biasAt = this.bias
      ? ` + biasIn[select(0, b, uniforms.biasInShape[0] > 1) * uniforms.biasInShape[1] + j]`
      : '';
    const factor = this.factor === 1 ? '' : ` * ${f32Literal(this.factor)}`;
    const reduce = (op: string) => `
      workgroupBarrier();
      for (var stride = ${WG / 2}; stride > 0; stride = stride >> 1) {
        if (t < stride) { red[t] = ${op}(red[t], red[t + stride]); }
        workgroupBarrier();
      }`;
    return `
    var<workgroup> qS : array<f32, ${hd}>;
    var<workgroup> pS : array<f32, ${WG}>;
    var<workgroup> red : array<f32, ${WG}>;
    ${this.rope ? ropeSnippet(hd) : ''}
    fn sum2(a : f32, b : f32) -> f32 { return a + b; }
    fn main(index : i32) {
      let t = i32(localId.x);
      let h = i32(workgroupId.x);
      let b = i32(workgroupId.y);
      let len = uniforms.len;
      let qBase = b * ${3 * d} + h * ${hd};
      let kv0 = (b * ${H} + h) * ${C}; // position 0 of this (b, h) in the cache
      for (var i = t; i < ${hd}; i += ${WG}) { qS[i] = ${qAt} * uniforms.scale; }
      workgroupBarrier();
      var m = -3.0e38;
      var l = 0.0;
      var acc : array<f32, ${lanes}>;
      for (var j0 = 0; j0 < len; j0 += ${WG}) {
        let j = j0 + t;
        var s = -3.0e38;
        if (j < len) {
          var dot = 0.0;
          for (var i = 0; i < ${hd}; i++) { dot += qS[i] * kvIn[(kv0 + j) * ${2 * hd} + i]; }
          s = dot${factor}${biasAt};
        }
        red[t] = s;
        ${reduce('max')}
        let mNew = max(m, red[0]);
        let p = select(0.0, exp(s - mNew), j < len);
        workgroupBarrier();
        pS[t] = p;
        red[t] = p;
        ${reduce('sum2')}
        let corr = exp(m - mNew);
        l = l * corr + red[0];
        let n = min(${WG}, len - j0);
        for (var c = 0; c < ${lanes}; c++) {
          let i = t + c * ${WG};
          if (i < ${hd}) {
            var a = acc[c] * corr;
            for (var jj = 0; jj < n; jj++) { a += pS[jj] * kvIn[(kv0 + j0 + jj) * ${2 * hd} + ${hd} + i]; }
            acc[c] = a;
          }
        }
        m = mNew;
        workgroupBarrier();
      }
      for (var c = 0; c < ${lanes}; c++) {
        let i = t + c * ${WG};
        if (i < ${hd}) { result[b * ${d} + h * ${hd} + i] = acc[c] / l; }
      }
    }`;
  }
}

function kvAppendKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const cache = inputs.cache!;
  const rope = inputs.posIn !== undefined;
  const program = new KVAppendProgram(cache.shape, rope);
  // The cache is the output: written in place (only its slot).
  return runInPlace(backend, program, inputs, cache, [
    { type: 'int32', data: [Number(attrs!.slot)] },
  ]);
}

function decodeAttentionKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const [B, H, C, hd2] = inputs.kvIn!.shape;
  const program = new DecodeAttentionProgram(
    B,
    H,
    C,
    hd2 / 2,
    inputs.biasIn !== undefined,
    inputs.posIn !== undefined,
    Number(attrs!.factor),
  );
  const order = program.variableNames.map((n) => inputs[n]!);
  return asWebGPU(backend).runWebGPUProgram(program, order, 'float32', [
    { type: 'int32', data: [Number(attrs!.len)] },
    { type: 'float32', data: [Number(attrs!.scale)] },
  ]);
}

/** Registers both kernels for 'webgpu' (idempotent). */
export function registerDecodeAttention(): void {
  registerWebGPUKernels([
    [KV_APPEND_KERNEL, kvAppendKernel],
    [DECODE_ATTENTION_KERNEL, decodeAttentionKernel],
  ]);
}

function checkCache(op: string, qkv: tf.Tensor, cache: tf.Tensor) {
  const [B, H, , hd2] = cache.shape;
  checkShapes(
    op,
    cache.rank === 4 &&
      hd2 % 2 === 0 &&
      qkv.rank === 2 &&
      qkv.shape[0] === B &&
      qkv.shape[1] === (3 * H * hd2) / 2,
    'qkv must be [B, 3 H hd] for a cache [B, H, capacity, 2 hd]',
    { qkv: qkv.shape, cache: cache.shape },
  );
}

function checkRope(op: string, B: number, hd: number, rope: RopeInputs | undefined) {
  if (!rope) return;
  checkShapes(
    op,
    rope.positions.size === B && rope.positions.dtype === 'int32' && rope.invFreq.size === hd / 2,
    `positions must be ${B} int32 values and invFreq ${hd / 2} values`,
    { positions: rope.positions.shape, invFreq: rope.invFreq.shape },
  );
}

/**
 * Writes the new token's key (rotated when rope is given) and value from qkv [B, 3 H hd] into
 * position `slot` of cache [B, H, C, 2 hd], in place (one dispatch). Returns a new handle on the
 * same buffer: every handle on that cache sees the write.
 */
export function appendKV(
  cache: tf.Tensor4D,
  qkv: tf.Tensor2D,
  slot: number,
  rope?: RopeInputs,
): tf.Tensor4D {
  registerDecodeAttention();
  const op = 'appendKV';
  checkCache(op, qkv, cache);
  const C = cache.shape[2];
  checkShapes(op, Number.isInteger(slot) && slot >= 0 && slot < C, `slot must be in [0, ${C})`, {
    slot,
  });
  checkRope(op, cache.shape[0], cache.shape[3] / 2, rope);
  const inputs: tf.NamedTensorMap = { cache, qkvIn: qkv };
  if (rope) {
    inputs.posIn = rope.positions;
    inputs.invFreqIn = rope.invFreq;
  }
  return tf.engine().runKernel(KV_APPEND_KERNEL, inputs, { slot }) as tf.Tensor4D;
}

export interface DecodeAttentionOptions {
  /** Keys in the cache, the new one included (<= capacity). */
  length: number;
  /** Score factor, 1 / sqrt(hd). */
  scale: number;
  /** Additive bias [B or 1, length] (e.g. -1e9 on each row's left padding). */
  bias?: tf.Tensor;
  rope?: RopeInputs;
}

/**
 * y [B, H hd] = softmax(scale rope(q) k^T + bias) v for the query in qkv [B, 3 H hd] over the
 * first `length` positions of cache [B, H, C, 2 hd] (one dispatch, one workgroup per (b, h)).
 */
export function decodeAttention(
  qkv: tf.Tensor2D,
  cache: tf.Tensor4D,
  o: DecodeAttentionOptions,
): tf.Tensor2D {
  registerDecodeAttention();
  const op = 'decodeAttention';
  checkCache(op, qkv, cache);
  const [B, , C, hd2] = cache.shape;
  const hd = hd2 / 2;
  checkShapes(op, o.length >= 1 && o.length <= C, `length must be in [1, ${C}]`, {
    length: o.length,
  });
  checkRope(op, B, hd, o.rope);
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = { qkvIn: qkv, kvIn: cache };
    if (o.bias) {
      const rows = o.bias.size / o.length;
      checkShapes(
        op,
        (rows === 1 || rows === B) && o.bias.shape[o.bias.rank - 1] === o.length,
        `bias must be [1 or ${B}, ${o.length}] (any leading 1s)`,
        { bias: o.bias.shape },
      );
      inputs.biasIn = shaped(o.bias, [rows, o.length]);
    }
    if (o.rope) {
      inputs.posIn = shaped(o.rope.positions, [B]);
      inputs.invFreqIn = o.rope.invFreq;
    }
    return tf.engine().runKernel(DECODE_ATTENTION_KERNEL, inputs, {
      len: o.length,
      scale: o.scale,
      factor: decodeAttentionTestHooks.scoreFactor,
    }) as tf.Tensor2D;
  });
}
