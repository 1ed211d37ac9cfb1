/**
 * The softmax part of attention's backward pass as one WebGPU dispatch (issue 18). fusedOps.ts's
 * attention gradient, from the kept probabilities P and dP = dO V^T, is
 *   dS = P (dP - rowsum(dP P)),  dQ = scale dS K,  dK = scale dS^T Q,  dV = P^T dO;
 * as tfjs ops that is 10 dispatches a layer. Here dS' = scale dS is one kernel (a workgroup per
 * row, the row sum reduced in workgroup memory), so dQ = dS' K and dK = dS'^T Q need no scaling:
 * 5 dispatches a layer (this kernel and 4 matmuls, which stay tfjs's tuned ones).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { hookShader } from './shaderTestHook';

export const SOFTMAX_GRAD_KERNEL = 'ThinkTuningSoftmaxGrad';

const WG = 64;

/** p, dp [rows, S] -> scale p (dp - rowsum(dp p)), one workgroup a row. */
class SoftmaxGradProgram implements WebGPUProgram {
  variableNames = ['p', 'dp'];
  outputShape: number[];
  shaderKey = 'thinktuningSoftmaxGrad';
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'scale : f32,';

  constructor(rows: number, s: number) {
    this.outputShape = [rows, s];
    this.dispatch = [rows, 1, 1];
  }

  getUserCode(): string {
    return `
    var<workgroup> buf : array<f32, ${WG}>;
    fn main(index : i32) {
      let row = index / ${WG};
      let tid = i32(localId.x);
      let cols = uniforms.outShape[1];
      var s = 0.0;
      for (var col = tid; col < cols; col += ${WG}) { s += getDp(row, col) * getP(row, col); }
      buf[tid] = s;
      workgroupBarrier();
      for (var stride = ${WG / 2}; stride > 0; stride = stride >> 1) {
        if (tid < stride) { buf[tid] = buf[tid] + buf[tid + stride]; }
        workgroupBarrier();
      }
      let dot = buf[0];                                   // rowsum(dP P)
      for (var col = tid; col < cols; col += ${WG}) {
        // dS' = scale P (dP - rowsum(dP P))
        setOutputAtCoords(row, col, uniforms.scale * (getP(row, col) * (getDp(row, col) - dot)));
      }
    }`;
  }
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function softmaxGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const [p, dp] = [inputs.p!, inputs.dp!];
  const program = hookShader(new SoftmaxGradProgram(p.shape[0], p.shape[1]));
  return (backend as WebGPUBackend).runWebGPUProgram(program, [p, dp], 'float32', [
    { type: 'float32', data: [Number(attrs!.scale)] },
  ]);
}

/**
 * scale P (dP - rowsum(dP P)) over the last axis of p and dp (same shape), one dispatch (webgpu
 * only): the gradient of the attention scores, scaled for dQ = dS' K and dK = dS'^T Q.
 */
export function webgpuSoftmaxGrad(p: tf.Tensor, dp: tf.Tensor, scale: number): tf.Tensor {
  if (!tf.getKernel(SOFTMAX_GRAD_KERNEL, 'webgpu'))
    tf.registerKernel({
      kernelName: SOFTMAX_GRAD_KERNEL,
      backendName: 'webgpu',
      kernelFunc: softmaxGradKernel as unknown as tf.KernelFunc,
    });
  return tf.tidy(() => {
    const s = p.shape[p.shape.length - 1];
    const out = tf
      .engine()
      .runKernel(
        SOFTMAX_GRAD_KERNEL,
        { p: p.reshape([-1, s]), dp: dp.reshape([-1, s]) },
        { scale },
      ) as tf.Tensor;
    return out.reshape(p.shape);
  });
}
