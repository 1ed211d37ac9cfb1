/**
 * Backward passes of LayerNorm and GELU as fused WebGPU kernels (issue 18). As tfjs compositions
 * (fusedOps.ts), the LayerNorm gradient with its recomputed statistics is about 25 dispatches and
 * the GELU gradient 13; here they are 4 and 1. Same formulas as fusedOps.ts, in f32:
 *   LayerNorm: xhat = (x - mean) rstd, rstd = 1/sqrt(var + eps), dxhat = dy g,
 *     dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) rstd,  dg = sum_rows(dy xhat),
 *     db = sum_rows(dy);
 *   GELU: s = sigmoid(2u), 2u = 2 sqrt(2/pi) (x + 0.044715 x^3),
 *     dx = dy (s + x s (1 - s) d(2u)/dx),  d(2u)/dx = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2).
 * Standard tfjs WebGPUPrograms (one output each), used by fusedOps.ts when the backend is webgpu.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { hookShader } from './shaderTestHook';

export const LAYER_NORM_STATS_KERNEL = 'ThinkTuningLayerNormStats';
export const LAYER_NORM_DX_KERNEL = 'ThinkTuningLayerNormDx';
export const LAYER_NORM_DPARAM_KERNEL = 'ThinkTuningLayerNormDParam';
export const GELU_GRAD_KERNEL = 'ThinkTuningGeluGrad';

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;
const WG = 64;

/** Tree sum of `buf` (workgroup memory of WG floats) into buf[0]; every thread must call it. */
const TREE_SUM = (buf: string) => `
      workgroupBarrier();
      for (var stride = ${WG / 2}; stride > 0; stride = stride >> 1) {
        if (tid < stride) { ${buf}[tid] = ${buf}[tid] + ${buf}[tid + stride]; }
        workgroupBarrier();
      }`;

/** x [rows, d] -> [rows, 2]: mean and rstd = 1/sqrt(var + eps) (biased var), one workgroup a row. */
class LayerNormStatsProgram implements WebGPUProgram {
  variableNames = ['x'];
  outputShape: number[];
  shaderKey = 'thinktuningLayerNormStats';
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'eps : f32,';

  constructor(rows: number) {
    this.outputShape = [rows, 2];
    this.dispatch = [rows, 1, 1];
  }

  getUserCode(): string {
    return `
    var<workgroup> buf : array<f32, ${WG}>;
    var<workgroup> meanShared : f32;
    fn main(index : i32) {
      let row = index / ${WG};
      let tid = i32(localId.x);
      let cols = uniforms.xShape[1];
      var s = 0.0;
      for (var col = tid; col < cols; col += ${WG}) { s += getX(row, col); }
      buf[tid] = s;${TREE_SUM('buf')}
      if (tid == 0) { meanShared = buf[0] / f32(cols); }
      workgroupBarrier();
      var v = 0.0;
      for (var col = tid; col < cols; col += ${WG}) {
        let c = getX(row, col) - meanShared;
        v += c * c;
      }
      buf[tid] = v;${TREE_SUM('buf')}
      if (tid == 0) {
        setOutputAtCoords(row, 0, meanShared);
        setOutputAtCoords(row, 1, inverseSqrt(buf[0] / f32(cols) + uniforms.eps));
      }
    }`;
  }
}

/** dx [rows, d] from x, dy [rows, d], gamma [d], stats [rows, 2]; one workgroup a row. */
class LayerNormDxProgram implements WebGPUProgram {
  variableNames = ['x', 'dy', 'gamma', 'stats'];
  outputShape: number[];
  shaderKey = 'thinktuningLayerNormDx';
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];

  constructor(rows: number, d: number) {
    this.outputShape = [rows, d];
    this.dispatch = [rows, 1, 1];
  }

  getUserCode(): string {
    return `
    var<workgroup> sumA : array<f32, ${WG}>;
    var<workgroup> sumB : array<f32, ${WG}>;
    fn main(index : i32) {
      let row = index / ${WG};
      let tid = i32(localId.x);
      let cols = uniforms.outShape[1];
      let mean = getStats(row, 0);
      let rstd = getStats(row, 1);
      var a = 0.0;
      var b = 0.0;
      for (var col = tid; col < cols; col += ${WG}) {
        let xh = (getX(row, col) - mean) * rstd;
        let dxh = getDy(row, col) * getGamma(col);
        a += dxh;                      // sum(dxhat)
        b += dxh * xh;                 // sum(dxhat xhat)
      }
      sumA[tid] = a;
      sumB[tid] = b;
      workgroupBarrier();
      for (var stride = ${WG / 2}; stride > 0; stride = stride >> 1) {
        if (tid < stride) {
          sumA[tid] = sumA[tid] + sumA[tid + stride];
          sumB[tid] = sumB[tid] + sumB[tid + stride];
        }
        workgroupBarrier();
      }
      let meanA = sumA[0] / f32(cols);
      let meanB = sumB[0] / f32(cols);
      for (var col = tid; col < cols; col += ${WG}) {
        let xh = (getX(row, col) - mean) * rstd;
        let dxh = getDy(row, col) * getGamma(col);
        // dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) rstd
        setOutputAtCoords(row, col, (dxh - meanA - xh * meanB) * rstd);
      }
    }`;
  }
}

/**
 * dg = sum_rows(dy xhat) (withXhat) or db = sum_rows(dy), [d]: one thread a column, the rows in
 * order.
 */
class LayerNormDParamProgram implements WebGPUProgram {
  /** Every bound input must appear in the shader ('auto' layout): db reads dy alone. */
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  size = true;

  constructor(
    d: number,
    private readonly withXhat: boolean,
  ) {
    this.variableNames = withXhat ? ['x', 'dy', 'stats'] : ['dy'];
    this.outputShape = [d];
    this.dispatch = [Math.ceil(d / WG), 1, 1];
    this.shaderKey = `thinktuningLayerNormDParam_${withXhat}`;
  }

  getUserCode(): string {
    const term = this.withXhat
      ? 'getDy(r, index) * ((getX(r, index) - getStats(r, 0)) * getStats(r, 1))'
      : 'getDy(r, index)';
    return `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let rows = uniforms.dyShape[0];
        var s = 0.0;
        for (var r = 0; r < rows; r++) { s += ${term}; }
        setOutputAtIndex(index, s);
      }
    }`;
  }
}

/** Elementwise dx = dy (s + x s (1 - s) d(2u)/dx) over [n]. */
class GeluGradProgram implements WebGPUProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  shaderKey = 'thinktuningGeluGrad';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  size = true;

  constructor(n: number) {
    this.outputShape = [n];
    this.dispatch = [Math.ceil(n / WG), 1, 1];
  }

  getUserCode(): string {
    const f = (x: number) => x.toFixed(9);
    return `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let x = getXByOutputIndex(index);
        let x2 = x * x;
        let s = 1.0 / (1.0 + exp(-(x * (x2 * ${f(2 * GELU_C * GELU_A)} + ${f(2 * GELU_C)}))));
        let du2 = x2 * ${f(6 * GELU_C * GELU_A)} + ${f(2 * GELU_C)};      // d(2u)/dx
        setOutputAtIndex(index, getDyByOutputIndex(index) * (s + x * s * (1.0 - s) * du2));
      }
    }`;
  }
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

const run = (backend: unknown, p: WebGPUProgram, inputs: tf.TensorInfo[], eps?: number) => {
  return (backend as WebGPUBackend).runWebGPUProgram(
    hookShader(p),
    inputs,
    'float32',
    eps === undefined ? undefined : [{ type: 'float32', data: [eps] }],
  );
};

const KERNELS: Array<[string, (a: KernelArgs) => tf.TensorInfo]> = [
  [
    LAYER_NORM_STATS_KERNEL,
    ({ inputs, backend, attrs }) =>
      run(backend, new LayerNormStatsProgram(inputs.x!.shape[0]), [inputs.x!], Number(attrs!.eps)),
  ],
  [
    LAYER_NORM_DX_KERNEL,
    ({ inputs: i, backend }) =>
      run(backend, new LayerNormDxProgram(i.x!.shape[0], i.x!.shape[1]), [
        i.x!,
        i.dy!,
        i.gamma!,
        i.stats!,
      ]),
  ],
  [
    LAYER_NORM_DPARAM_KERNEL,
    ({ inputs: i, backend, attrs }) =>
      attrs!.withXhat
        ? run(backend, new LayerNormDParamProgram(i.x!.shape[1], true), [i.x!, i.dy!, i.stats!])
        : run(backend, new LayerNormDParamProgram(i.dy!.shape[1], false), [i.dy!]),
  ],
  [
    GELU_GRAD_KERNEL,
    ({ inputs: i, backend }) => run(backend, new GeluGradProgram(i.x!.shape[0]), [i.x!, i.dy!]),
  ],
];

function register(): void {
  for (const [kernelName, kernelFunc] of KERNELS)
    if (!tf.getKernel(kernelName, 'webgpu'))
      tf.registerKernel({
        kernelName,
        backendName: 'webgpu',
        kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      });
}

const runKernel = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;

/** LayerNorm gradients [dx, dgamma, dbeta] over the last axis in 4 dispatches (webgpu only). */
export function webgpuLayerNormGrad(
  x: tf.Tensor,
  dy: tf.Tensor,
  gamma: tf.Tensor,
  eps: number,
): tf.Tensor[] {
  register();
  return tf.tidy(() => {
    const d = x.shape[x.shape.length - 1];
    const [x2, dy2] = [x.reshape([-1, d]), dy.reshape([-1, d])];
    const stats = runKernel(LAYER_NORM_STATS_KERNEL, { x: x2 }, { eps });
    const dx = runKernel(LAYER_NORM_DX_KERNEL, { x: x2, dy: dy2, gamma, stats });
    const dg = runKernel(LAYER_NORM_DPARAM_KERNEL, { x: x2, dy: dy2, stats }, { withXhat: true });
    const db = runKernel(LAYER_NORM_DPARAM_KERNEL, { dy: dy2 }, { withXhat: false });
    return [dx.reshape(x.shape), dg, db];
  });
}

/** GELU gradient dy * dGELU/dx in one dispatch (webgpu only). */
export function webgpuGeluGrad(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  register();
  return tf.tidy(() =>
    runKernel(GELU_GRAD_KERNEL, { x: x.reshape([-1]), dy: dy.reshape([-1]) }).reshape(x.shape),
  );
}
