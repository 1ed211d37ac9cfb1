/**
 * Fused WebGPU kernels for the forward pass of LayerNorm and GELU. On a real GPU a decoding step
 * is bound by per-kernel overhead, about 0.25 ms per dispatch measured on an H100 (see
 * docs/performance.md). As tfjs compositions, LayerNorm is 9 kernels and GELU 6; each becomes one
 * dispatch here. fusedOps.ts calls them through the engine (runKernel) when the active backend is
 * webgpu; every other backend keeps the composite forward. Gradients stay the hand-written ones in
 * fusedOps.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { registerWebGPUKernels, shaped, type KernelArgs } from './webgpu/program';
import { hookShader } from './webgpu/shaderTestHook';

export const LAYER_NORM_KERNEL = 'ThinkTuningLayerNorm';
export const GELU_KERNEL = 'ThinkTuningGelu';
export const RMS_NORM_KERNEL = 'ThinkTuningRmsNorm';

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;
const WG = 64;

/** WGSL: the workgroup's sum of each thread's `value` into buf[0] (a tree in workgroup memory). */
function workgroupSum(value: string): string {
  return `buf[tid] = ${value};
      workgroupBarrier();
      for (var stride = blockSize >> 1; stride > 0; stride = stride >> 1) {
        if (tid < stride) { buf[tid] = buf[tid] + buf[tid + stride]; }
        workgroupBarrier();
      }`;
}

/**
 * One workgroup per row of x [rows, d]. y = (x - mean) * rsqrt(var + eps) * gamma + beta, with
 * mean and var (biased) reduced in workgroup memory, as tfjs's own Softmax program does.
 */
class LayerNormProgram implements WebGPUProgram {
  variableNames = ['x', 'gamma', 'beta'];
  outputShape: number[];
  shaderKey = 'thinktuningLayerNorm';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'eps : f32,';

  constructor(rows: number, d: number) {
    this.outputShape = [rows, d];
    this.dispatchLayout = { x: [0, 1] };
    this.dispatch = [rows, 1, 1];
  }

  getUserCode(): string {
    return `
    var<workgroup> buf : array<f32, ${WG}>;
    var<workgroup> meanShared : f32;
    var<workgroup> rstdShared : f32;
    const blockSize = ${WG};
    fn main(index : i32) {
      let row = index / blockSize;
      let tid = i32(localId.x);
      let cols = uniforms.outShape[1];
      var s = 0.0;
      for (var col = tid; col < cols; col += blockSize) {
        s += getX(row, col);
      }
      ${workgroupSum('s')}
      if (tid == 0) { meanShared = buf[0] / f32(cols); }
      workgroupBarrier();
      var v = 0.0;
      for (var col = tid; col < cols; col += blockSize) {
        let c = getX(row, col) - meanShared;
        v += c * c;
      }
      ${workgroupSum('v')}
      if (tid == 0) { rstdShared = inverseSqrt(buf[0] / f32(cols) + uniforms.eps); }
      workgroupBarrier();
      for (var col = tid; col < cols; col += blockSize) {
        let y = (getX(row, col) - meanShared) * rstdShared * getGamma(col) + getBeta(col);
        setOutputAtCoords(row, col, y);
      }
    }`;
  }
}

/**
 * One workgroup per row of x [rows, d]: y = x * rsqrt(mean(x^2) + eps) * w (Llama's RMSNorm;
 * tfjs composes it from 6 kernels). Forward only: the Llama model uses it when no tape records.
 */
class RmsNormProgram implements WebGPUProgram {
  variableNames = ['x', 'w'];
  outputShape: number[];
  shaderKey = 'thinktuningRmsNorm';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'eps : f32,';

  constructor(rows: number, d: number) {
    this.outputShape = [rows, d];
    this.dispatchLayout = { x: [0, 1] };
    this.dispatch = [rows, 1, 1];
  }

  getUserCode(): string {
    return `
    var<workgroup> buf : array<f32, ${WG}>;
    var<workgroup> rmsShared : f32;
    const blockSize = ${WG};
    fn main(index : i32) {
      let row = index / blockSize;
      let tid = i32(localId.x);
      let cols = uniforms.outShape[1];
      var s = 0.0;
      for (var col = tid; col < cols; col += blockSize) {
        let v = getX(row, col);
        s += v * v;
      }
      ${workgroupSum('s')}
      if (tid == 0) { rmsShared = inverseSqrt(buf[0] / f32(cols) + uniforms.eps); }
      workgroupBarrier();
      for (var col = tid; col < cols; col += blockSize) {
        setOutputAtCoords(row, col, getX(row, col) * rmsShared * getW(col));
      }
    }`;
  }
}

/** Elementwise GELU (tanh form) as x * sigmoid(2u), 2u = 2 sqrt(2/pi) (x + 0.044715 x^3). */
class GeluProgram implements WebGPUProgram {
  variableNames = ['x'];
  outputShape: number[];
  shaderKey = 'thinktuningGelu';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  size = true;

  constructor(n: number) {
    this.outputShape = [n];
    this.dispatchLayout = { x: [0] };
    this.dispatch = [Math.ceil(n / WG), 1, 1];
  }

  getUserCode(): string {
    return `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let x = getXByOutputIndex(index);
        let z = x * (x * x * ${(2 * GELU_C * GELU_A).toFixed(9)} + ${(2 * GELU_C).toFixed(9)});
        setOutputAtIndex(index, x / (1.0 + exp(-z)));
      }
    }`;
  }
}

/** x: [rows, d], gamma and beta: [d]. */
function layerNormKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const [x, gamma, beta] = [inputs.x!, inputs.gamma!, inputs.beta!];
  const program = new LayerNormProgram(x.shape[0], x.shape[1]);
  return (backend as WebGPUBackend).runWebGPUProgram(program, [x, gamma, beta], 'float32', [
    { type: 'float32', data: [Number(attrs?.eps ?? 1e-5)] },
  ]);
}

/** x: [rows, d], w: [d]. */
function rmsNormKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const [x, w] = [inputs.x!, inputs.w!];
  const program = hookShader(new RmsNormProgram(x.shape[0], x.shape[1]));
  return (backend as WebGPUBackend).runWebGPUProgram(program, [x, w], 'float32', [
    { type: 'float32', data: [Number(attrs?.eps ?? 1e-6)] },
  ]);
}

/** x: [n]. */
function geluKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const x = inputs.x!;
  return (backend as WebGPUBackend).runWebGPUProgram(new GeluProgram(x.shape[0]), [x], 'float32');
}

/** Registers the kernels for the 'webgpu' backend (idempotent; harmless where it never runs). */
export function registerWebGPUFusedKernels(): void {
  registerWebGPUKernels([
    [LAYER_NORM_KERNEL, layerNormKernel],
    [GELU_KERNEL, geluKernel],
    [RMS_NORM_KERNEL, rmsNormKernel],
  ]);
}

/** Whether the fused kernels serve the active backend. */
export function fusedWebGPUActive(): boolean {
  return tf.getBackend() === 'webgpu';
}

/** LayerNorm forward over the last axis in one dispatch (webgpu only; reshapes are free). */
export function webgpuLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) {
  registerWebGPUFusedKernels();
  return tf.tidy(() => {
    const d = x.shape[x.shape.length - 1];
    const x2 = shaped(x, [-1, d]);
    const y = tf.engine().runKernel(LAYER_NORM_KERNEL, { x: x2, gamma, beta }, { eps });
    return shaped(y as tf.Tensor, x.shape);
  });
}

/** GELU forward in one dispatch (webgpu only). */
export function webgpuGelu(x: tf.Tensor) {
  registerWebGPUFusedKernels();
  return tf.tidy(() => {
    const y = tf.engine().runKernel(GELU_KERNEL, { x: x.reshape([-1]) });
    return (y as tf.Tensor).reshape(x.shape);
  });
}

/**
 * RMSNorm forward over the last axis in one dispatch (webgpu only, no gradient: call it only
 * when no tape records, as the Llama model's decoding does).
 */
export function webgpuRmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number) {
  registerWebGPUFusedKernels();
  return tf.tidy(() => {
    const d = x.shape[x.shape.length - 1];
    const y = tf.engine().runKernel(RMS_NORM_KERNEL, { x: shaped(x, [-1, d]), w }, { eps });
    return shaped(y as tf.Tensor, x.shape);
  });
}
