/**
 * What the fused WebGPU kernels share: the kernel-function arguments tfjs passes, a registration
 * helper for the 'webgpu' backend, and a shape check that names the op and the shapes it got.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

export type KernelImpl = (args: KernelArgs) => tf.TensorInfo;

/** Registers each kernel for the 'webgpu' backend once (harmless where webgpu never runs). */
export function registerWebGPUKernels(kernels: ReadonlyArray<readonly [string, KernelImpl]>): void {
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, 'webgpu'))
      tf.registerKernel({
        kernelName,
        backendName: 'webgpu',
        kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      });
  }
}

export const asWebGPU = (backend: unknown) => backend as WebGPUBackend;

/** Throws `op: what (got shapes)` unless ok. */
export function checkShapes(op: string, ok: boolean, what: string, got: Record<string, unknown>) {
  if (ok) return;
  const shapes = Object.entries(got)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(', ');
  throw new Error(`${op}: ${what} (got ${shapes}).`);
}

/** A WGSL f32 literal for a JS number (always with a decimal point or exponent). */
export function f32Literal(x: number): string {
  const s = Math.fround(x).toPrecision(9);
  return /[.e]/.test(s) ? s : `${s}.0`;
}
