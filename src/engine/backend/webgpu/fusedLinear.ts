/**
 * One WebGPU dispatch for a decoding step's linear layer on a few rows:
 *   y = act(pre(x) @ W + bias) + residual,   pre = LayerNorm(gamma, beta) or identity,
 *   act = GELU (tanh form) or identity; W [K, N], or [N, K] used transposed (the tied head).
 * tfjs would run LayerNorm, the fused matmul, GELU and the residual add as four kernels.
 * Forward only (decoding); no gradient is registered.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import {
  asWebGPU,
  checkShapes,
  f32Literal,
  registerWebGPUKernels,
  shaped,
  type KernelArgs,
} from './program';

export const FUSED_LINEAR_KERNEL = 'ThinkTuningDecodeLinear';

const WG = 64; // output columns per workgroup, one per thread
const MAX_ROWS = 4; // rows per workgroup: each weight read serves this many rows
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

export interface FusedLinearOptions {
  bias?: tf.Tensor;
  /** LayerNorm of x's rows first: gamma and beta [K]. */
  layerNorm?: { gamma: tf.Tensor; beta: tf.Tensor; eps: number };
  act?: 'gelu';
  /** Added after the activation: [rows, N]. */
  residual?: tf.Tensor;
  /** w is [N, K]: y = x @ w^T. */
  transposeW?: boolean;
}

interface Flags {
  bias: boolean;
  ln: boolean;
  gelu: boolean;
  res: boolean;
  tw: boolean;
}

class FusedLinearProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'eps : f32,';
  private R: number;

  constructor(
    rows: number,
    private K: number,
    private N: number,
    private f: Flags,
  ) {
    this.R = Math.min(rows, MAX_ROWS);
    this.variableNames = ['xIn', 'wIn'];
    if (f.bias) this.variableNames.push('biasIn');
    if (f.ln) this.variableNames.push('gammaIn', 'betaIn');
    if (f.res) this.variableNames.push('resIn');
    this.outputShape = [rows, N];
    this.dispatch = [Math.ceil(N / WG), Math.ceil(rows / this.R), 1];
    this.shaderKey = `ttDecodeLinear_${K}_${N}_${this.R}_${Object.entries(f)
      .filter(([, v]) => v)
      .map(([k]) => k)
      .join('')}`;
  }

  getUserCode(): string {
    const { K, N, R, f } = this;
    const wAt = f.tw ? `wIn[n * ${K} + k]` : `wIn[k * ${N} + n]`; // W[k, n]
    // Per-row sums over k, reduced across the workgroup: red[r * WG + t]
    const reduce = `
      workgroupBarrier();
      for (var stride = ${WG / 2}; stride > 0; stride = stride >> 1) {
        if (t < stride) {
          for (var r = 0; r < ${R}; r++) { red[r * ${WG} + t] += red[r * ${WG} + t + stride]; }
        }
        workgroupBarrier();
      }`;
    const ln = f.ln
      ? `
      // mean_r = sum_k x / K;  rstd_r = 1 / sqrt(sum_k (x - mean_r)^2 / K + eps)
      for (var r = 0; r < ${R}; r++) {
        var s = 0.0;
        for (var k = t; k < ${K}; k += ${WG}) { s += xIn[row(r) * ${K} + k]; }
        red[r * ${WG} + t] = s;
      }
      ${reduce}
      for (var r = 0; r < ${R}; r++) { meanS[r] = red[r * ${WG}] / ${K}.0; }
      workgroupBarrier();
      for (var r = 0; r < ${R}; r++) {
        var v = 0.0;
        for (var k = t; k < ${K}; k += ${WG}) {
          let c = xIn[row(r) * ${K} + k] - meanS[r];
          v += c * c;
        }
        red[r * ${WG} + t] = v;
      }
      ${reduce}
      for (var r = 0; r < ${R}; r++) { rstdS[r] = inverseSqrt(red[r * ${WG}] / ${K}.0 + uniforms.eps); }
      workgroupBarrier();`
      : '';
    // xhat g + b with xhat = (x - mean) rstd, as the LayerNorm kernel computes it
    const xAt = f.ln
      ? `(xIn[row(r) * ${K} + k] - meanS[r]) * rstdS[r] * gammaIn[k] + betaIn[k]`
      : `xIn[row(r) * ${K} + k]`;
    // GELU as x sigmoid(2u), 2u = 2 sqrt(2/pi) (x + 0.044715 x^3): the GELU kernel's formula
    const gelu = f.gelu
      ? `let z = y * (y * y * ${f32Literal(2 * GELU_C * GELU_A)} + ${f32Literal(2 * GELU_C)});
         y = y / (1.0 + exp(-z));`
      : '';
    return `
    var<workgroup> red : array<f32, ${WG * R}>;
    var<workgroup> meanS : array<f32, ${R}>;
    var<workgroup> rstdS : array<f32, ${R}>;
    var<private> row0 : i32;
    var<private> rows : i32;
    // rows past the end repeat the last one (computed, never written)
    fn row(r : i32) -> i32 { return min(row0 + r, rows - 1); }
    fn main(index : i32) {
      let t = i32(localId.x);
      let n = i32(workgroupId.x) * ${WG} + t;
      rows = uniforms.outShape[0];
      row0 = i32(workgroupId.y) * ${R};
      ${ln}
      if (n >= ${N}) { return; }
      var acc : array<f32, ${R}>;
      for (var k = 0; k < ${K}; k++) {
        let w = ${wAt};
        for (var r = 0; r < ${R}; r++) { acc[r] += (${xAt}) * w; }
      }
      for (var r = 0; r < ${R}; r++) {
        let b = row0 + r;
        if (b < rows) {
          var y = acc[r]${f.bias ? ' + biasIn[n]' : ''};
          ${gelu}
          ${f.res ? `y += resIn[b * ${N} + n];` : ''}
          result[b * ${N} + n] = y;
        }
      }
    }`;
  }
}

function fusedLinearKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const f = JSON.parse(String(attrs!.flags)) as Flags;
  const x = inputs.xIn!;
  const [rows, K] = x.shape;
  const N = Number(attrs!.N);
  const program = new FusedLinearProgram(rows, K, N, f);
  const order = program.variableNames.map((n) => inputs[n]!);
  return asWebGPU(backend).runWebGPUProgram(program, order, 'float32', [
    { type: 'float32', data: [Number(attrs!.eps ?? 0)] },
  ]);
}

/** Registers the kernel for 'webgpu' (idempotent). */
export function registerFusedLinear(): void {
  registerWebGPUKernels([[FUSED_LINEAR_KERNEL, fusedLinearKernel]]);
}

/**
 * y = act(pre(x) @ W + bias) + residual in one dispatch (webgpu only). x [rows, K]; w [K, N]
 * (or [N, K] with transposeW); bias [N]; gamma, beta [K]; residual [rows, N] -> [rows, N].
 */
export function fusedLinear(x: tf.Tensor, w: tf.Tensor, o: FusedLinearOptions = {}): tf.Tensor2D {
  registerFusedLinear();
  const op = 'fusedLinear';
  checkShapes(op, x.rank === 2 && w.rank === 2, 'x and w must be 2-D', { x: x.shape, w: w.shape });
  const [rows, K] = x.shape;
  const [wk, N] = o.transposeW ? [w.shape[1], w.shape[0]] : w.shape;
  checkShapes(op, wk === K, `w must have ${K} input rows`, { x: x.shape, w: w.shape });
  if (o.bias)
    checkShapes(op, o.bias.size === N, `bias must have ${N} values`, { bias: o.bias.shape });
  if (o.layerNorm) {
    const { gamma, beta } = o.layerNorm;
    checkShapes(op, gamma.size === K && beta.size === K, `gamma and beta must have ${K} values`, {
      gamma: gamma.shape,
      beta: beta.shape,
    });
  }
  if (o.residual)
    checkShapes(op, o.residual.size === rows * N, `residual must be [${rows}, ${N}]`, {
      residual: o.residual.shape,
    });
  const flags: Flags = {
    bias: !!o.bias,
    ln: !!o.layerNorm,
    gelu: o.act === 'gelu',
    res: !!o.residual,
    tw: !!o.transposeW,
  };
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = { xIn: x, wIn: w };
    if (o.bias) inputs.biasIn = shaped(o.bias, [N]);
    if (o.layerNorm) {
      inputs.gammaIn = shaped(o.layerNorm.gamma, [K]);
      inputs.betaIn = shaped(o.layerNorm.beta, [K]);
    }
    if (o.residual) inputs.resIn = shaped(o.residual, [rows, N]);
    return tf.engine().runKernel(FUSED_LINEAR_KERNEL, inputs, {
      flags: JSON.stringify(flags),
      N,
      eps: o.layerNorm?.eps ?? 0,
    }) as tf.Tensor2D;
  });
}
