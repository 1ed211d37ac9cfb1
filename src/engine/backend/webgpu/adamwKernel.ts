/**
 * AdamW on WebGPU in few dispatches (issue 18). As tfjs ops, src/engine/optim/adamw.ts costs
 * about 16 dispatches and 8 scalar uploads per parameter tensor, plus 2 per tensor for the
 * global gradient norm. Here:
 *   - the sum of squares of up to (storage-buffer limit - 2) gradients is one dispatch, chained
 *     through a running [1] total: ceil(P / 6) dispatches for P tensors on the default limits;
 *   - the update of one tensor is one dispatch that writes p' (a new buffer, assigned to the
 *     variable) and m, v in place (the optimizer's own variables; nothing else holds them).
 * The math and the order of operations are adamw.ts's, in f32. Only used on the webgpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import {
  FLAT_INDEX,
  WG,
  internals,
  recordDispatch,
  shaderPrefix,
  type Binding,
} from './adamwRecord';

export const ADAMW_KERNEL = 'ThinkTuningAdamW';
export const SUM_SQUARES_KERNEL = 'ThinkTuningSumSquares';

/** Scalars of one AdamW update; see adamwUpdate. */
export interface AdamWScalars {
  /** Gradient scale from clipping, min(1, clip / ||g||). */
  scale: number;
  beta1: number;
  beta2: number;
  /** Bias corrections 1 - beta^t. */
  bc1: number;
  bc2: number;
  eps: number;
  lr: number;
  /** lr * weight decay for this tensor (0 where it is not decayed). */
  lrWd: number;
}

const UPDATE_INPUTS: Binding[] = [
  { name: 'p', access: 'read' },
  { name: 'g', access: 'read' },
  { name: 'm', access: 'read_write' },
  { name: 'v', access: 'read_write' },
];

const UPDATE_FIELDS =
  'n : i32, scale : f32, b1 : f32, omb1 : f32, b2 : f32, omb2 : f32, bc1 : f32, bc2 : f32, ' +
  'eps : f32, lr : f32, lrwd : f32,';

/** One thread per element; in place for m and v, p' to `dst`. */
const UPDATE_SHADER = `${shaderPrefix(UPDATE_INPUTS, UPDATE_FIELDS)}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>,
        @builtin(num_workgroups) nwg : vec3<u32>) {
  let i = ${FLAT_INDEX};
  if (i >= u.n) { return; }
  let gi = g[i] * u.scale;                             // g <- g min(1, clip / ||g||)
  let mi = m[i] * u.b1 + gi * u.omb1;                  // m <- b1 m + (1 - b1) g
  let vi = v[i] * u.b2 + (gi * gi) * u.omb2;           // v <- b2 v + (1 - b2) g^2
  m[i] = mi;
  v[i] = vi;
  let upd = ((mi / u.bc1) / (sqrt(vi / u.bc2) + u.eps)) * u.lr + p[i] * u.lrwd;
  dst[i] = p[i] - upd;                                 // p <- p - lr (m^ / (sqrt(v^) + eps) + wd p)
}`;

/** How many gradients one sum-of-squares dispatch reads: the rest of 8 bindings go to out, acc. */
export function sumSquaresGroup(backend: unknown): number {
  return Math.max(1, internals(backend).device.limits.maxStorageBuffersPerShaderStage - 2);
}

/** One workgroup: out[0] = acc[0] + sum_j sum_i x_j[i]^2 (acc absent in the first group). */
function sumSquaresShader(k: number, withAcc: boolean): string {
  const inputs: Binding[] = Array.from({ length: k }, (_, j) => ({
    name: `x${j}`,
    access: 'read',
  }));
  if (withAcc) inputs.push({ name: 'acc', access: 'read' });
  const fields = Array.from({ length: k }, (_, j) => `n${j} : i32,`).join(' ');
  const loops = Array.from(
    { length: k },
    (_, j) => `  for (var i = t; i < u.n${j}; i += ${WG}) { let x = x${j}[i]; s += x * x; }`,
  ).join('\n');
  return `${shaderPrefix(inputs, fields)}
var<workgroup> part : array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) lid : u32) {
  let t = i32(lid);
  var s = 0.0;
${loops}
  part[lid] = s;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride = stride >> 1u) {
    if (lid < stride) { part[lid] = part[lid] + part[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) { dst[0] = part[0]${withAcc ? ' + acc[0]' : ''}; }
}`;
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** inputs p, g, m, v (same size); returns p'; m and v are overwritten. */
function adamwKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = internals(backend);
  const { p, g, m, v } = inputs as Record<'p' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const a = attrs as unknown as AdamWScalars;
  for (const s of [m, v]) {
    const d = be.tensorMap.get(s.dataId);
    // In place is only sound on buffers nothing else reads: the optimizer's own state.
    if (!d || d.refCount !== 1)
      throw new Error(`${ADAMW_KERNEL}: moment buffer shared (refCount ${d?.refCount})`);
  }
  const n = p.shape.reduce((x, y) => x * y, 1);
  const out = be.makeTensorInfo(p.shape, 'float32');
  const f = (x: number) => ({ type: 'float32' as const, data: [x] });
  recordDispatch(
    be,
    ADAMW_KERNEL,
    UPDATE_SHADER,
    out,
    [p, g, m, v],
    [
      { type: 'int32', data: [n] },
      f(a.scale),
      f(a.beta1),
      f(1 - a.beta1),
      f(a.beta2),
      f(1 - a.beta2),
      f(a.bc1),
      f(a.bc2),
      f(a.eps),
      f(a.lr),
      f(a.lrWd),
    ],
    Math.ceil(n / WG),
  );
  // The GPU copies changed: drop any CPU copy a read cached (state() reads m and v).
  for (const s of [m, v]) be.tensorMap.get(s.dataId)!.values = null;
  return out;
}

/** inputs x0..x{k-1} and optionally acc [1]; returns [1]: acc + sum of all squares. */
function sumSquaresKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const be = internals(backend);
  const xs: tf.TensorInfo[] = [];
  for (let j = 0; inputs[`x${j}`]; j++) xs.push(inputs[`x${j}`]!);
  const acc = inputs.acc;
  const out = be.makeTensorInfo([1], 'float32');
  recordDispatch(
    be,
    SUM_SQUARES_KERNEL,
    sumSquaresShader(xs.length, acc !== undefined),
    out,
    acc ? [...xs, acc] : xs,
    xs.map((x) => ({ type: 'int32' as const, data: [x.shape.reduce((a, b) => a * b, 1)] })),
    1,
  );
  return out;
}

/** Registers both kernels for the 'webgpu' backend (idempotent). */
export function registerAdamWKernels(): void {
  for (const [kernelName, kernelFunc] of [
    [ADAMW_KERNEL, adamwKernel],
    [SUM_SQUARES_KERNEL, sumSquaresKernel],
  ] as const) {
    if (!tf.getKernel(kernelName, 'webgpu'))
      tf.registerKernel({
        kernelName,
        backendName: 'webgpu',
        kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      });
  }
}

/**
 * sum_i ||g_i||^2 over all tensors (a [1] tensor), in ceil(P / group) dispatches. Empty tensors
 * are skipped; with none at all the sum is 0.
 */
export function webgpuSumOfSquares(grads: tf.Tensor[]): tf.Tensor {
  registerAdamWKernels();
  const k = sumSquaresGroup(tf.backend());
  const xs = grads.filter((g) => g.size > 0);
  if (xs.length === 0) return tf.zeros([1]);
  let acc: tf.Tensor | null = null;
  for (let j0 = 0; j0 < xs.length; j0 += k) {
    const inputs: tf.NamedTensorMap = {};
    xs.slice(j0, j0 + k).forEach((x, j) => (inputs[`x${j}`] = x));
    if (acc) inputs.acc = acc;
    const next = tf.engine().runKernel(SUM_SQUARES_KERNEL, inputs) as tf.Tensor;
    acc?.dispose();
    acc = next;
  }
  return acc!;
}

/**
 * One AdamW update of p (assigned a new buffer) and its moments m, v (in place), in one dispatch:
 *   g <- s g;  m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
 *   p <- p - lr (m / bc1) / (sqrt(v / bc2) + eps) - lr wd p.
 */
export function webgpuAdamWUpdate(
  p: tf.Variable,
  g: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  s: AdamWScalars,
): void {
  if (p.size === 0) return;
  registerAdamWKernels();
  const next = tf
    .engine()
    .runKernel(ADAMW_KERNEL, { p, g, m, v }, s as unknown as tf.NamedAttrMap) as tf.Tensor;
  p.assign(next);
  next.dispose();
}
