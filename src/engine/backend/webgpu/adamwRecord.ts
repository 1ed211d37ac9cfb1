/**
 * Records a hand-written WGSL compute pipeline through tfjs's WebGPU backend (4.22), for kernels
 * a tfjs WebGPUProgram cannot express: tfjs declares every input `read` and has one output, while
 * a fused optimizer step writes its moments in place. The dispatch still goes through the
 * backend's own `recordAndSubmit`, so it shares tfjs's command encoder and compute pass, its
 * deferred-submit batching, its uniform buffers and bind groups, its guard that keeps a buffer
 * alive until the queue has run (commandQueueOwnedIds), and the bench's dispatch counter.
 *
 * The one contract taken from tfjs's source: recordAndSubmit binds [output, ...inputs, uniforms]
 * at bindings 0..k+1, and its uniform buffer starts with NAN, INFINITY, then each buffer's shape
 * and strides (inputs, then output), then the caller's uniforms. Every buffer here is passed as
 * 1-D ([n]: shape n, strides [] padded to [1]), so that prefix is 2 + 2 (k + 1) scalars of 4 bytes.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type * as tf from '@tensorflow/tfjs';
import { shaderTransformEpoch, transformShader } from './shaderTestHook';

/** The slice of a GPUDevice used here (typed locally: the lib has no WebGPU types). */
interface Device {
  createShaderModule(d: { code: string; label?: string }): unknown;
  createComputePipeline(d: {
    layout: 'auto';
    compute: { module: unknown; entryPoint: string };
    label?: string;
  }): unknown;
  limits: { maxStorageBuffersPerShaderStage: number; maxComputeWorkgroupsPerDimension: number };
}

interface TensorData {
  values?: unknown;
  resource?: unknown;
  refCount: number;
}

type Uniform = { type: 'float32' | 'int32'; data: number[] };

/** The backend's members this module uses (some are private in tfjs's typings). */
export interface BackendInternals {
  device: Device;
  tensorMap: { get(dataId: tf.DataId): TensorData | undefined };
  uploadToGPU(dataId: tf.DataId): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  recordAndSubmit(
    program: object,
    output: tf.TensorInfo,
    inputs: tf.TensorInfo[],
    uniforms: Uniform[],
  ): void;
}

export const internals = (backend: WebGPUBackend | unknown) =>
  backend as unknown as BackendInternals;

/** A buffer binding of a hand-written shader: input (after the output) read-only or in place. */
export interface Binding {
  name: string;
  access: 'read' | 'read_write';
}

/** Workgroup size of the elementwise kernels (one thread per element). */
export const WG = 256;

/**
 * The WGSL prefix recordAndSubmit's bind group fits: `out` at binding 0, the inputs, then the
 * uniform struct `u` (the tfjs header, then `fields`, e.g. "n : i32, lr : f32,"); the output is
 * `dst`.
 */
export function shaderPrefix(inputs: Binding[], fields: string): string {
  const header = ['nan_ : f32', 'inf_ : f32'];
  for (let i = 0; i <= inputs.length; i++) header.push(`shape${i}_ : i32`, `stride${i}_ : i32`);
  return [
    `struct Uniforms { ${header.join(', ')}, ${fields} };`,
    '@group(0) @binding(0) var<storage, read_write> dst : array<f32>;',
    ...inputs.map(
      (b, i) => `@group(0) @binding(${i + 1}) var<storage, ${b.access}> ${b.name} : array<f32>;`,
    ),
    `@group(0) @binding(${inputs.length + 1}) var<uniform> u : Uniforms;`,
  ].join('\n');
}

/** Flat invocation index of a dispatch spread over x and y (at most 65535 groups per axis). */
export const FLAT_INDEX = `i32(gid.y * nwg.x * ${WG}u + gid.x)`;

const pipelines = new WeakMap<object, Map<string, unknown>>();

/** The compute pipeline of `code` on this device (compiled once per device and source). */
function pipeline(device: Device, name: string, code: string): unknown {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  const key = `${shaderTransformEpoch()}:${name}:${code}`;
  let p = cache.get(key);
  if (!p) {
    const module = device.createShaderModule({ code: transformShader(name, code), label: name });
    p = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
      label: name,
    });
    cache.set(key, p);
  }
  return p;
}

/** A 1-D view of a tensor's data (same buffer): the uniform layout above assumes rank 1. */
export const flat = (t: tf.TensorInfo): tf.TensorInfo => ({
  dataId: t.dataId,
  shape: [t.shape.reduce((a, b) => a * b, 1)],
  dtype: t.dtype,
});

/** The fields of a WebGPUProgram that recordAndSubmit reads. */
class HandWrittenProgram {
  readonly pixelsOpType = undefined;
  readonly size = false;
  constructor(
    readonly pipeline: unknown,
    readonly dispatch: [number, number, number],
  ) {}
}

/**
 * Records one dispatch of `code` (entry point `main`) writing `output`, with `inputs` bound in
 * order; all buffers are uploaded first. `groups` workgroups, spread over x and y.
 */
export function recordDispatch(
  backend: BackendInternals,
  name: string,
  code: string,
  output: tf.TensorInfo,
  inputs: tf.TensorInfo[],
  uniforms: Uniform[],
  groups: number,
): void {
  const maxX = backend.device.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.min(groups, maxX);
  const program = new HandWrittenProgram(pipeline(backend.device, name, code), [
    x,
    Math.ceil(groups / x),
    1,
  ]);
  if (typeof backend.recordAndSubmit !== 'function')
    throw new Error(`${name}: this tfjs WebGPU backend has no recordAndSubmit (written for 4.22)`);
  for (const t of [output, ...inputs]) backend.uploadToGPU(t.dataId);
  backend.recordAndSubmit(program, flat(output), inputs.map(flat), uniforms);
}
