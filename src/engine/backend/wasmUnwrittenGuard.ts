/**
 * tfjs-backend-wasm runs every matmul through XNNPACK, and when XNNPACK cannot allocate (status 6,
 * a heap too full or too fragmented for a packed operand) tfjs-wasm prints a warning and
 * returns: the product's output is left as whatever the heap held, and training goes on with
 * wrong numbers until something else breaks. This guard marks each output a kernel makes with a
 * sentinel NaN at its first and last element before the kernel runs and, if a mark is still there
 * afterwards, throws an error that says the WASM heap is out of memory (which
 * outOfMemory.describeRunFailure turns into the "WASM heap is full" message with its fixes).
 * A product XNNPACK ran writes every element, and arithmetic never yields this NaN payload.
 */
import * as tf from '@tensorflow/tfjs';

/** A quiet NaN with a payload no arithmetic produces (x86 and wasm make 0x7fc00000). */
export const UNWRITTEN = 0x7fc0_dead;

/** The parts of BackendWasm 4.22 the guard uses (not public API). */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const usable = (b: unknown): b is WasmBackendInternals =>
  typeof (b as Partial<WasmBackendInternals>).makeOutput === 'function' &&
  typeof (b as Partial<WasmBackendInternals>).typedArrayFromHeap === 'function';

function bits(backend: WasmBackendInternals, t: tf.TensorInfo): Uint32Array {
  const v = backend.typedArrayFromHeap(t);
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

/** The marked positions of a tensor of n elements in `parts` equal parts: each part's first and last. */
function marks(n: number, parts: number): number[] {
  if (n === 0 || n % parts !== 0) return [];
  const size = n / parts;
  return Array.from({ length: parts }, (_, i) => [i * size, (i + 1) * size - 1]).flat();
}

/**
 * Marks a float32 output's first and last element, or each of `parts` equal parts' (a batch of
 * products written by separate calls); no-op on empty outputs and other dtypes.
 */
export function markUnwritten(backend: unknown, t: tf.TensorInfo, parts = 1): void {
  if (!usable(backend) || t.dtype !== 'float32') return;
  const u = bits(backend, t);
  for (const i of marks(u.length, parts)) u[i] = UNWRITTEN;
}

/** Whether a marked output still carries a mark (a kernel did not write it). */
export function stillUnwritten(backend: unknown, t: tf.TensorInfo, parts = 1): boolean {
  if (!usable(backend) || t.dtype !== 'float32') return false;
  const u = bits(backend, t); // a fresh view: the heap may have grown since the marks
  return marks(u.length, parts).some((i) => u[i] === UNWRITTEN);
}

/** The error a guarded kernel throws. */
export function unwrittenError(kernel: string, shape: number[]): Error {
  return new Error(
    `${kernel} could not allocate working memory: out of memory in the WASM heap (its [${shape.join(', ')}] ` +
      'output was never written; XNNPACK status 6)',
  );
}

/**
 * kernelFunc with every output it makes through backend.makeOutput marked before and checked
 * after; throws unwrittenError (after disposing them) when one was not written.
 */
export function guardUnwritten(kernelName: string, kernelFunc: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown;
    if (!usable(backend)) return kernelFunc(args);
    const made: tf.TensorInfo[] = [];
    const own = Object.prototype.hasOwnProperty.call(backend, 'makeOutput');
    const makeOutput = backend.makeOutput;
    backend.makeOutput = (shape, dtype) => {
      const t = makeOutput.call(backend, shape, dtype);
      markUnwritten(backend, t);
      made.push(t);
      return t;
    };
    let result: tf.TensorInfo | tf.TensorInfo[];
    try {
      result = kernelFunc(args);
    } finally {
      if (own) backend.makeOutput = makeOutput;
      else delete (backend as Partial<WasmBackendInternals>).makeOutput;
    }
    const outs = [result].flat();
    // matched by dataId: a kernel may return a reshaped copy of the TensorInfo it made
    const bad = outs.find(
      (t) => made.some((m) => m.dataId === t.dataId) && stillUnwritten(backend, t),
    );
    if (bad) {
      outs.forEach((t) => (args.backend as tf.KernelBackend).disposeData(t.dataId));
      throw unwrittenError(kernelName, bad.shape);
    }
    return result;
  };
}

let installed = false;

/** Guards tfjs-wasm's _FusedMatMul (the BatchMatMul kernel guards itself: wasmMatMul.ts). */
export function installFusedMatMulGuard(): boolean {
  if (installed) return true;
  const stock = tf.getKernel('_FusedMatMul', 'wasm');
  if (!stock) return false;
  tf.unregisterKernel('_FusedMatMul', 'wasm');
  tf.registerKernel({ ...stock, kernelFunc: guardUnwritten('_FusedMatMul', stock.kernelFunc) });
  installed = true;
  return true;
}
