/**
 * WebGPU kernels for the Llama model's forward pass where no tape records (decoding, scoring
 * old log-probs): RoPE on a linear layer's output straight into the heads layout, and SwiGLU's
 * gate. On a real GPU a decoding step is bound by dispatches (docs/performance.md); as tfjs
 * compositions RoPE is a reshape, a transpose and 4 kernels per call (with its rotation matrix
 * uploaded each time) and SwiGLU 3. Forward only: llama.ts uses the composite ops under a tape.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { asWebGPU, checkShapes, registerWebGPUKernels, type KernelArgs } from './program';
import { hookShader } from './shaderTestHook';

export const ROPE_HEADS_KERNEL = 'ThinkTuningRopeHeads';
export const SWIGLU_KERNEL = 'ThinkTuningSwiglu';
const WG = 64;

/**
 * y[b, h, t, j] = x[b T + t, h hd + j] cos[b', 0, t, j] + rotate_half(x)[...] sin[b', 0, t, j],
 * rotate_half(x)_j = -x_{j + hd/2} for j < hd/2, x_{j - hd/2} after (b' = b, or 0 for shared
 * tables). x [B T, n hd] -> y [B, n, T, hd].
 */
class RopeHeadsProgram implements WebGPUProgram {
  variableNames = ['xIn', 'cosIn', 'sinIn'];
  outputShape: number[];
  shaderKey = 'thinktuningRopeHeads';
  dispatchLayout = { x: [0, 1, 2, 3] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  size = true;

  constructor(B: number, n: number, T: number, hd: number) {
    this.outputShape = [B, n, T, hd];
    this.dispatch = [Math.ceil((B * n * T * hd) / WG), 1, 1];
  }

  getUserCode(): string {
    return ROPE_CODE;
  }
}

const ROPE_CODE = `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let n = uniforms.outShape[1];
        let T = uniforms.outShape[2];
        let hd = uniforms.outShape[3];
        let hh = hd / 2;
        let j = index % hd;
        let t = (index / hd) % T;
        let h = (index / (hd * T)) % n;
        let b = index / (hd * T * n);
        let row = (b * T + t) * (n * hd) + h * hd;
        var rot = 0.0;
        if (j < hh) { rot = -xIn[row + j + hh]; } else { rot = xIn[row + j - hh]; }
        let cb = select(0, b, uniforms.cosInShape[0] > 1);
        let ci = (cb * T + t) * hd + j;
        setOutputAtIndex(index, xIn[row + j] * cosIn[ci] + rot * sinIn[ci]);
      }
    }`;

/** silu(g) u = g sigmoid(g) u, elementwise over [n]. */
class SwigluProgram implements WebGPUProgram {
  variableNames = ['gIn', 'uIn'];
  outputShape: number[];
  shaderKey = 'thinktuningSwiglu';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  size = true;

  constructor(n: number) {
    this.outputShape = [n];
    this.dispatch = [Math.ceil(n / WG), 1, 1];
  }

  getUserCode(): string {
    return SWIGLU_CODE;
  }
}

const SWIGLU_CODE = `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let g = gIn[index];
        setOutputAtIndex(index, g / (1.0 + exp(-g)) * uIn[index]);
      }
    }`;

/** x [B T, n hd], cos / sin [B | 1, 1, T, hd]; attrs B, n. */
function ropeHeadsKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const [x, cos, sin] = [inputs.x!, inputs.cos!, inputs.sin!];
  const [B, n] = [Number(attrs!.B), Number(attrs!.n)];
  const [, , T, hd] = cos.shape;
  checkShapes(
    'RoPE heads',
    x.shape.length === 2 &&
      x.shape[0] === B * T &&
      x.shape[1] === n * hd &&
      (cos.shape[0] === 1 || cos.shape[0] === B) &&
      cos.shape.join() === sin.shape.join(),
    'x must be [B*T, n*hd] and cos, sin [B|1, 1, T, hd]',
    { x: x.shape, cos: cos.shape, sin: sin.shape, B, n },
  );
  const program = hookShader(new RopeHeadsProgram(B, n, T, hd));
  return asWebGPU(backend).runWebGPUProgram(program, [x, cos, sin], 'float32');
}

function swigluKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const [g, u] = [inputs.g!, inputs.u!];
  const size = g.shape.reduce((a, b) => a * b, 1);
  const program = hookShader(new SwigluProgram(size));
  return asWebGPU(backend).runWebGPUProgram(program, [g, u], 'float32');
}

function register(): void {
  registerWebGPUKernels([
    [ROPE_HEADS_KERNEL, ropeHeadsKernel],
    [SWIGLU_KERNEL, swigluKernel],
  ]);
}

/** rope(x) for a linear output x [B T, n hd] into heads [B, n, T, hd], one dispatch (webgpu). */
export function webgpuRopeHeads(
  x: tf.Tensor2D,
  cos: tf.Tensor4D,
  sin: tf.Tensor4D,
  B: number,
  n: number,
): tf.Tensor4D {
  register();
  return tf.engine().runKernel(ROPE_HEADS_KERNEL, { x, cos, sin }, { B, n }) as tf.Tensor4D;
}

/** silu(g) u in one dispatch (webgpu); g and u of one shape. */
export function webgpuSwiglu(g: tf.Tensor2D, u: tf.Tensor2D): tf.Tensor2D {
  register();
  return tf.tidy(() => {
    const y = tf.engine().runKernel(SWIGLU_KERNEL, { g: g.reshape([-1]), u: u.reshape([-1]) });
    return (y as tf.Tensor).reshape(g.shape) as tf.Tensor2D;
  });
}
