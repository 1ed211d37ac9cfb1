/**
 * A decoding step's token pick on WebGPU in one dispatch, one workgroup per row:
 *   ids[b] = argmax_v (logits[b, v] / T + g[b, v])       (Gumbel-max: a sample of softmax(z / T))
 * tfjs ran it as Div, Add and ArgMax (3 dispatches, 3 engine calls). Ties go to the lowest v,
 * as the cpu backend's argMax. Forward only (no gradient); top-p keeps the tfjs composition.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { asWebGPU, checkShapes, registerWebGPUKernels, type KernelArgs } from './program';
import { hookShader } from './shaderTestHook';

export const GUMBEL_PICK_KERNEL = 'ThinkTuningGumbelPick';
const WG = 64;

class GumbelPickProgram implements WebGPUProgram {
  variableNames = ['logitsIn', 'gumbelIn'];
  outputShape: number[];
  shaderKey = 'thinktuningGumbelPick';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'temperature : f32,';

  constructor(B: number) {
    this.outputShape = [B];
    this.dispatch = [B, 1, 1];
  }

  getUserCode(): string {
    return PICK_CODE;
  }
}

/**
 * WGSL: a tree over a workgroup's lanes that leaves in z[0], i[0] the largest z, or on equal z the
 * lowest i (lanes holding i = -1 saw nothing). `t` names the lane; wg is a power of two.
 */
export function lowestArgmaxTree(wg: number, z: string, i: string, t: string): string {
  return `for (var stride = ${wg / 2}; stride > 0; stride = stride >> 1) {
        if (${t} < stride) {
          let oi = ${i}[${t} + stride];
          let oz = ${z}[${t} + stride];
          let mi = ${i}[${t}];
          if (oi >= 0 && (mi < 0 || oz > ${z}[${t}] || (oz == ${z}[${t}] && oi < mi))) {
            ${z}[${t}] = oz;
            ${i}[${t}] = oi;
          }
        }
        workgroupBarrier();
      }`;
}

// Each lane scans v = t, t + 64, ... keeping its first best (strict >); then a tree over the
// lanes keeps the larger z, or on equal z the lower v. A lane that saw no v holds i = -1.
const PICK_CODE = `
    var<workgroup> bestZ : array<f32, ${WG}>;
    var<workgroup> bestI : array<i32, ${WG}>;
    fn main(index : i32) {
      let t = i32(localId.x);
      let b = i32(workgroupId.x);
      let V = uniforms.logitsInShape[1];
      var z = 0.0;
      var i = -1;
      for (var v = t; v < V; v += ${WG}) {
        let zv = logitsIn[b * V + v] / uniforms.temperature + gumbelIn[b * V + v];
        if (i < 0 || zv > z) { z = zv; i = v; }
      }
      bestZ[t] = z;
      bestI[t] = i;
      workgroupBarrier();
      ${lowestArgmaxTree(WG, 'bestZ', 'bestI', 't')}
      if (t == 0) { result[b] = bestI[0]; }
    }`;

function gumbelPickKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const logits = inputs.logitsIn!;
  const program = hookShader(new GumbelPickProgram(logits.shape[0]));
  return asWebGPU(backend).runWebGPUProgram(program, [logits, inputs.gumbelIn!], 'int32', [
    { type: 'float32', data: [Number(attrs!.temperature)] },
  ]);
}

/** Registers the kernel for 'webgpu' (idempotent). */
export function registerGumbelPick(): void {
  registerWebGPUKernels([[GUMBEL_PICK_KERNEL, gumbelPickKernel]]);
}

/**
 * ids [B] (int32) = argmax_v (logits / temperature + gumbel) for logits and gumbel [B, V], in one
 * dispatch (webgpu only; temperature > 0).
 */
export function gumbelPick(
  logits: tf.Tensor2D,
  gumbel: tf.Tensor2D,
  temperature: number,
): tf.Tensor1D {
  registerGumbelPick();
  checkShapes(
    'gumbelPick',
    logits.rank === 2 && gumbel.shape.join() === logits.shape.join(),
    'logits and gumbel must both be [B, V]',
    { logits: logits.shape, gumbel: gumbel.shape },
  );
  checkShapes('gumbelPick', temperature > 0, 'temperature must be > 0', { temperature });
  return tf
    .engine()
    .runKernel(
      GUMBEL_PICK_KERNEL,
      { logitsIn: logits, gumbelIn: gumbel },
      { temperature },
    ) as tf.Tensor1D;
}
