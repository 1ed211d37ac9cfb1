/**
 * Slice and SplitV for tfjs-backend-wasm 4.22 without the stock kernels' whole-input copy.
 *
 * The stock Slice reads its input with `backend.readSync`, which returns a *copy* of the whole
 * input (`HEAPU8.slice`), then copies the slice out of that copy; SplitV calls it once per part.
 * On the threaded build the heap is a SharedArrayBuffer, where that copy is slow: splitting a
 * tiny train step's [20, 3, 8128] q|k|v block took 10-18 ms (15 % of the step). These kernels
 * copy each contiguous run of the slice straight from the input's heap memory: the same values,
 * one pass over the output only. Install after '@tensorflow/tfjs-backend-wasm' is imported:
 * `installFastWasmSlice()` (idempotent; false and nothing changed when the internals differ).
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of BackendWasm 4.22 these kernels use (not public API; checked at install). */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Runs of a slice: for begin/size in a row-major shape, [input offset, output offset, length]
 * of each contiguous block, the trailing full axes merged into one run (pure).
 */
export function sliceRuns(
  shape: number[],
  begin: number[],
  size: number[],
): { runs: Array<[number, number]>; length: number } {
  const rank = shape.length;
  if (rank === 0) return { runs: [[0, 0]], length: 1 };
  const strides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  // the innermost axis that is not taken whole, and the run length from it inwards
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) inner--;
  let length = 1;
  for (let i = inner; i < rank; i++) length *= size[i];
  const runs: Array<[number, number]> = [];
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return { runs, length: 0 };
  // odometer over the axes outside the run
  const idx = new Array<number>(inner).fill(0);
  let out = 0;
  for (;;) {
    let off = begin[inner] * strides[inner];
    for (let i = 0; i < inner; i++) off += (begin[i] + idx[i]) * strides[i];
    runs.push([off, out]);
    out += length;
    let i = inner - 1;
    while (i >= 0 && ++idx[i] === size[i]) idx[i--] = 0;
    if (i < 0) break;
  }
  return { runs, length };
}

let installed = false;

export function installFastWasmSlice(): boolean {
  if (installed) return true;
  const stockSlice = tf.getKernel('Slice', 'wasm');
  const stockSplit = tf.getKernel('SplitV', 'wasm');
  if (!stockSlice || !stockSplit) return false;

  const slice = (
    x: tf.TensorInfo,
    begin: number[],
    size: number[],
    backend: WasmBackendInternals,
  ): tf.TensorInfo => {
    const out = backend.makeOutput(size, x.dtype);
    // views taken after makeOutput, which may grow (and so replace) the heap
    const from = backend.typedArrayFromHeap(x);
    const to = backend.typedArrayFromHeap(out);
    const { runs, length } = sliceRuns(x.shape, begin, size);
    for (const [i, o] of runs) to.set(from.subarray(i, i + length), o);
    return out;
  };

  const usable = (x: tf.TensorInfo, backend: unknown) =>
    x.dtype !== 'string' &&
    typeof (backend as Partial<WasmBackendInternals>).typedArrayFromHeap === 'function' &&
    typeof (backend as Partial<WasmBackendInternals>).makeOutput === 'function';

  const sliceKernel = (raw: unknown): tf.TensorInfo => {
    const args = raw as {
      inputs: { x: tf.TensorInfo };
      attrs: { begin: number | number[]; size: number | number[] };
      backend: WasmBackendInternals;
    };
    const { x } = args.inputs;
    if (!usable(x, args.backend)) return stockSlice.kernelFunc(args as never) as tf.TensorInfo;
    const [b, s] = tf.slice_util.parseSliceParams(
      x as unknown as tf.Tensor,
      args.attrs.begin,
      args.attrs.size,
    );
    return slice(x, b, s, args.backend);
  };

  const splitKernel = (raw: unknown): tf.TensorInfo[] => {
    const args = raw as {
      inputs: { x: tf.TensorInfo };
      attrs: { numOrSizeSplits: number | number[]; axis: number | number[] };
      backend: WasmBackendInternals;
    };
    const { x } = args.inputs;
    if (!usable(x, args.backend)) return stockSplit.kernelFunc(args as never) as tf.TensorInfo[];
    const $axis = tf.util.parseAxisParam(args.attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(
      x as unknown as tf.Tensor,
      args.attrs.numOrSizeSplits,
      $axis,
    );
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[$axis] = n;
      const part = slice(x, [...begin], size, args.backend);
      begin[$axis] += n;
      return part;
    });
  };

  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ ...stockSlice, kernelFunc: sliceKernel as tf.KernelFunc });
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({ ...stockSplit, kernelFunc: splitKernel as tf.KernelFunc });
  installed = true;
  return true;
}
