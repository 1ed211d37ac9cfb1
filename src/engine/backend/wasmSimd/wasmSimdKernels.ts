/**
 * Fused kernels for tfjs-backend-wasm 4.22, written in WebAssembly SIMD (kernels.wat) and run on
 * the backend's own heap: no copies in or out, one pass where tfjs-wasm makes one per op.
 *
 * - GELU forward and backward (`wasmGelu`, `wasmGeluGrad`): tfjs-wasm took 6 passes over the
 *   [N, 4d] activations forward and 13 backward (square, mul, add, sigmoid, ... each ~6 ms on a
 *   lab batch); here one each. Used by fusedOps.geluOp when `wasmSimdActive()`.
 * - LayerNorm forward and backward (`wasmLayerNorm`, `wasmLayerNormGrad`): each row in a few
 *   passes while it is in cache, where tfjs-wasm made ~9 whole-tensor passes forward and ~12
 *   backward (with the dg, db row sums). Used by fusedOps.layerNormOp.
 * - Sum over leading axes (a bias gradient, [N, out] -> [out]): the stock Sum transposes its
 *   input to put the reduced axes last, then reduces; `columnSum` reads the input once.
 *   Installed as the wasm Sum kernel (`installWasmSimdKernels`), other sums run the stock one.
 *
 * The kernels are single-threaded (tfjs-wasm's pool is not reachable from here), as tfjs-wasm's
 * own elementwise kernels are: one pass instead of many is the gain. On a backend whose memory
 * or SIMD support is not what these need, nothing is installed and the stock paths run.
 */
import * as tf from '@tensorflow/tfjs';
import { KERNELS_PLAIN_MEMORY, KERNELS_SHARED_MEMORY } from './kernelsBinary';

export interface KernelExports {
  /** y[i] = gelu(x[i]) for i < n (byte addresses). */
  gelu(x: number, y: number, n: number): void;
  /** dx[i] = dy[i] gelu'(x[i]). */
  geluGrad(x: number, dy: number, dx: number, n: number): void;
  /** out[j] = sum_r x[r cols + j]; run: cols floats of scratch. */
  columnSum(x: number, rows: number, cols: number, out: number, run: number): void;
  /** LayerNorm of rows of d floats (d % 4 = 0): y, xhat and rstd (one per row). */
  layerNorm(
    x: number,
    g: number,
    b: number,
    y: number,
    xhat: number,
    rstd: number,
    rows: number,
    d: number,
    eps: number,
  ): void;
  /** Its backward pass: dx, and dg, db summed over the rows. */
  layerNormGrad(
    dy: number,
    xhat: number,
    rstd: number,
    g: number,
    dx: number,
    dg: number,
    db: number,
    rows: number,
    d: number,
  ): void;
}

/** The parts of BackendWasm 4.22 these kernels use (not public API; checked before use). */
interface WasmBackendInternals {
  wasm: { wasmMemory?: unknown; asm?: { memory?: unknown } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

export const WASM_GELU_KERNEL = 'ThinkTuningWasmGelu';
export const WASM_GELU_GRAD_KERNEL = 'ThinkTuningWasmGeluGrad';
export const WASM_LAYER_NORM_KERNEL = 'ThinkTuningWasmLayerNorm';
export const WASM_LAYER_NORM_GRAD_KERNEL = 'ThinkTuningWasmLayerNormGrad';

const modules: Partial<Record<'plain' | 'shared', WebAssembly.Module | null>> = {};
/** One instance per wasm backend instance (a re-initialised backend has a new heap). */
const instances = new WeakMap<object, KernelExports | null>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)); // atob: browsers, workers, Node 16+
}

/**
 * The kernels on a memory (a plain or a shared one), or null where they cannot run: no wasm SIMD
 * (the module does not compile), or a memory they cannot import.
 */
export function instantiateKernels(memory: WebAssembly.Memory): KernelExports | null {
  const kind =
    typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer
      ? 'shared'
      : 'plain';
  try {
    if (modules[kind] === undefined)
      modules[kind] = new WebAssembly.Module(
        decode(kind === 'shared' ? KERNELS_SHARED_MEMORY : KERNELS_PLAIN_MEMORY),
      );
    const mod = modules[kind];
    return mod
      ? (new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as KernelExports)
      : null;
  } catch {
    modules[kind] = modules[kind] ?? null;
    return null;
  }
}

/** The kernels bound to this backend's heap, or null when they cannot run there. */
function kernelsFor(backend: unknown): KernelExports | null {
  const b = backend as Partial<WasmBackendInternals>;
  const wasm = b.wasm;
  if (!wasm || typeof b.makeOutput !== 'function' || !b.dataIdMap) return null;
  if (instances.has(wasm)) return instances.get(wasm)!;
  const memory = wasm.wasmMemory ?? wasm.asm?.memory;
  const exports =
    typeof WebAssembly !== 'undefined' && memory instanceof WebAssembly.Memory
      ? instantiateKernels(memory)
      : null;
  instances.set(wasm, exports);
  return exports;
}

let enabled = true;
/** Turns the kernels off (the stock paths run) or back on; returns the old setting (benches, tests). */
export function setWasmSimdEnabled(on: boolean): boolean {
  const old = enabled;
  enabled = on;
  return old;
}

/** True when the active backend is wasm and these kernels run on it. */
export function wasmSimdActive(): boolean {
  return enabled && installed && tf.getBackend() === 'wasm' && kernelsFor(tf.backend()) !== null;
}

const offset = (backend: WasmBackendInternals, t: tf.TensorInfo) =>
  backend.dataIdMap.get(t.dataId).memoryOffset;

type Args<I> = { inputs: I; backend: WasmBackendInternals; attrs: Record<string, unknown> };

function geluKernel(raw: unknown): tf.TensorInfo {
  const { inputs, backend } = raw as Args<{ x: tf.TensorInfo }>;
  const k = kernelsFor(backend)!;
  const out = backend.makeOutput(inputs.x.shape, 'float32');
  // offsets read after makeOutput, which may grow the heap (the offsets stay valid)
  k.gelu(offset(backend, inputs.x), offset(backend, out), tf.util.sizeFromShape(inputs.x.shape));
  return out;
}

function geluGradKernel(raw: unknown): tf.TensorInfo {
  const { inputs, backend } = raw as Args<{ x: tf.TensorInfo; dy: tf.TensorInfo }>;
  const k = kernelsFor(backend)!;
  const out = backend.makeOutput(inputs.x.shape, 'float32');
  k.geluGrad(
    offset(backend, inputs.x),
    offset(backend, inputs.dy),
    offset(backend, out),
    tf.util.sizeFromShape(inputs.x.shape),
  );
  return out;
}

/** x [.., d], g [d], b [d] -> y, xhat (x's shape) and rstd ([.., 1]). */
function layerNormKernel(raw: unknown): tf.TensorInfo[] {
  const { inputs, backend, attrs } = raw as Args<{
    x: tf.TensorInfo;
    g: tf.TensorInfo;
    b: tf.TensorInfo;
  }>;
  const { x, g, b } = inputs;
  const k = kernelsFor(backend)!;
  const d = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / d;
  const y = backend.makeOutput(x.shape, 'float32');
  const xhat = backend.makeOutput(x.shape, 'float32');
  const rstd = backend.makeOutput([...x.shape.slice(0, -1), 1], 'float32');
  const at = (t: tf.TensorInfo) => offset(backend, t);
  k.layerNorm(at(x), at(g), at(b), at(y), at(xhat), at(rstd), rows, d, attrs.eps as number);
  return [y, xhat, rstd];
}

/** dy, xhat (x's shape), rstd ([.., 1]), g [d] -> dx, dg [d], db [d]. */
function layerNormGradKernel(raw: unknown): tf.TensorInfo[] {
  const { inputs, backend } = raw as Args<{
    dy: tf.TensorInfo;
    xhat: tf.TensorInfo;
    rstd: tf.TensorInfo;
    g: tf.TensorInfo;
  }>;
  const { dy, xhat, rstd, g } = inputs;
  const k = kernelsFor(backend)!;
  const d = xhat.shape[xhat.shape.length - 1];
  const rows = tf.util.sizeFromShape(xhat.shape) / d;
  const dx = backend.makeOutput(xhat.shape, 'float32');
  const dg = backend.makeOutput([d], 'float32');
  const db = backend.makeOutput([d], 'float32');
  const at = (t: tf.TensorInfo) => offset(backend, t);
  k.layerNormGrad(at(dy), at(xhat), at(rstd), at(g), at(dx), at(dg), at(db), rows, d);
  return [dx, dg, db];
}

/**
 * How a Sum over `axes` of `shape` runs as a column sum (pure): rows = the product of the reduced
 * leading axes, cols = the rest; null when the axes are not exactly the leading ones (or all).
 */
export function columnSumPlan(
  shape: number[],
  axes: number[],
): { rows: number; cols: number; kept: number[] } | null {
  const k = axes.length;
  if (k === 0 || k >= shape.length) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  if (sorted.some((a, i) => a !== i)) return null;
  const rows = tf.util.sizeFromShape(shape.slice(0, k));
  const kept = shape.slice(k);
  const cols = tf.util.sizeFromShape(kept);
  return rows > 0 && cols > 0 ? { rows, cols, kept } : null;
}

let installed = false;

/**
 * Registers the GELU kernels on wasm and replaces its Sum kernel (idempotent). False, changing
 * nothing, when the wasm backend is not registered.
 */
export function installWasmSimdKernels(): boolean {
  if (installed) return true;
  const stockSum = tf.getKernel('Sum', 'wasm');
  if (!stockSum) return false;
  const sumKernel = (raw: unknown): tf.TensorInfo => {
    const args = raw as Args<{ x: tf.TensorInfo }> & {
      attrs: { axis: number | number[]; keepDims: boolean };
    };
    const { x } = args.inputs;
    const k = enabled && x.dtype === 'float32' ? kernelsFor(args.backend) : null;
    const plan = k
      ? columnSumPlan(x.shape, tf.util.parseAxisParam(args.attrs.axis, x.shape))
      : null;
    if (!k || !plan) return stockSum.kernelFunc(args as never) as tf.TensorInfo;
    const { backend } = args;
    const outShape = args.attrs.keepDims
      ? [...x.shape.slice(0, x.shape.length - plan.kept.length).map(() => 1), ...plan.kept]
      : plan.kept;
    const out = backend.makeOutput(outShape, 'float32');
    const run = backend.makeOutput([plan.cols], 'float32');
    try {
      k.columnSum(
        offset(backend, x),
        plan.rows,
        plan.cols,
        offset(backend, out),
        offset(backend, run),
      );
    } finally {
      backend.disposeData(run.dataId);
    }
    return out;
  };
  tf.unregisterKernel('Sum', 'wasm');
  tf.registerKernel({ ...stockSum, kernelFunc: sumKernel as tf.KernelFunc });
  tf.registerKernel({
    kernelName: WASM_GELU_KERNEL,
    backendName: 'wasm',
    kernelFunc: geluKernel as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: WASM_GELU_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: geluGradKernel as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: WASM_LAYER_NORM_KERNEL,
    backendName: 'wasm',
    kernelFunc: layerNormKernel as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: WASM_LAYER_NORM_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: layerNormGradKernel as unknown as tf.KernelFunc,
  });
  installed = true;
  return true;
}

/** GELU (tanh form) in one pass (wasm with these kernels only: check wasmSimdActive()). */
export function wasmGelu(x: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(WASM_GELU_KERNEL, { x }) as tf.Tensor;
}

/** dy * GELU'(x) in one pass (wasm with these kernels only). */
export function wasmGeluGrad(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(WASM_GELU_GRAD_KERNEL, { x, dy }) as tf.Tensor;
}

/** Whether wasmLayerNorm takes rows of this width (its kernels run 4 floats at a time). */
export const wasmLayerNormFits = (d: number) => d % 4 === 0;

/**
 * LayerNorm over the last axis in one kernel (wasm with these kernels only): y = xhat g + b,
 * with xhat and rstd = 1 / sqrt(var + eps) for the backward pass.
 */
export function wasmLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) {
  const [y, xhat, rstd] = tf.engine().runKernel(
    WASM_LAYER_NORM_KERNEL,
    { x, g, b },
    {
      eps,
    },
  ) as tf.Tensor[];
  return { y, xhat, rstd };
}

/**
 * LayerNorm's gradients from the forward's xhat and rstd (wasm with these kernels only):
 * dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy g; dg = sum(dy xhat);
 * db = sum(dy).
 */
export function wasmLayerNormGrad(dy: tf.Tensor, xhat: tf.Tensor, rstd: tf.Tensor, g: tf.Tensor) {
  return tf.engine().runKernel(WASM_LAYER_NORM_GRAD_KERNEL, { dy, xhat, rstd, g }) as tf.Tensor[];
}
