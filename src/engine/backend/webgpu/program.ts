/**
 * What the fused WebGPU kernels share: the kernel-function arguments tfjs passes, a registration
 * helper for the 'webgpu' backend, and a shape check that names the op and the shapes it got.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

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

/** A uniform a program declares beyond tfjs's own (its `uniforms` string, in order). */
export type ProgramUniform = { type: 'int32' | 'float32'; data: number[] };

/**
 * Runs `program` with `target` as its output buffer, in place (target is never bound as an
 * input: only what the program writes changes), its inputs taken from `inputs` in the order of
 * program.variableNames. Returns a new handle on target's buffer, as Reshape returns.
 */
export function runInPlace(
  backend: unknown,
  program: WebGPUProgram & { variableNames: string[] },
  inputs: tf.NamedTensorInfoMap,
  target: tf.TensorInfo,
  uniforms: ProgramUniform[],
): tf.TensorInfo {
  const gpu = asWebGPU(backend);
  const order = program.variableNames.map((n) => inputs[n]!);
  gpu.runWebGPUProgram(program, order, 'float32', uniforms, target);
  gpu.incRef(target.dataId);
  return { dataId: target.dataId, shape: target.shape, dtype: target.dtype };
}

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

/**
 * t reshaped to `shape` (one -1 allowed), or t itself when it has that shape already: each
 * Reshape is an engine call with no GPU work, and a lab decoding step made 55 of them.
 */
export function shaped<T extends tf.Tensor>(t: tf.Tensor, shape: readonly number[]): T {
  const known = shape.reduce((a, n) => (n === -1 ? a : a * n), 1);
  const full = shape.map((n) => (n === -1 ? t.size / known : n));
  const same = full.length === t.rank && full.every((n, i) => n === t.shape[i]);
  return (same ? t : t.reshape(full)) as T;
}

/** tfjs-webgpu 4.22's fields behind `flushWebGPU` (private in its typings). */
interface PendingWork {
  dispatchCountInPass: number;
}

/**
 * Submits the dispatches tfjs-webgpu has recorded but not submitted yet (it submits every
 * WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE = 15 dispatches and at a read), so the GPU runs them while
 * the host waits. Returns whether there were any; a no-op on other backends.
 */
export function flushWebGPU(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const gpu = tf.backend() as unknown as WebGPUBackend;
  if (!((gpu as unknown as PendingWork).dispatchCountInPass > 0)) return false;
  gpu.endComputePassEncoder();
  gpu.submitQueue();
  return true;
}
