/**
 * A faster BatchMatMul for tfjs-backend-wasm 4.22.
 *
 * The stock kernel sends a matmul to XNNPACK only when neither side is transposed and both have
 * batch 1; everything else (every transposed matmul of a backward pass, every per-head attention
 * matmul) runs a scalar triple loop at 1-3 GFLOP/s, 10-40x slower than XNNPACK here. This kernel
 * plans each call onto the XNNPACK path instead (`planMatMul`, pure): a transposed operand is
 * transposed once into a fresh buffer (O(size), cheap next to the O(M*N*K) product), a batch
 * that only `a` has is folded into its rows, and a real batch (attention heads) runs one XNNPACK
 * call per batch entry on zero-copy views into the operands' memory. Small batched products (a
 * decoding step's [1, S] x [S, hd]) stay on the stock loop, where per-call overhead would win.
 * Install once after '@tensorflow/tfjs-backend-wasm' is imported: `installFastWasmMatMul()`.
 */
import * as tf from '@tensorflow/tfjs';
import {
  guardUnwritten,
  markUnwritten,
  stillUnwritten,
  unwrittenError,
} from './wasmUnwrittenGuard';

/** How one BatchMatMul call runs. */
export type MatMulPlan =
  | { kind: 'stock' }
  /**
   * One XNNPACK call on [1, rows, K] x [1, K, N] (a's batch folded into rows); with `swap`, the
   * transposed product C^T = B^T A (then one [N, M] -> [M, N] transpose) instead.
   */
  | {
      kind: 'folded';
      transposeA: boolean;
      transposeB: boolean;
      rows: number;
      K: number;
      N: number;
      swap?: true;
    }
  /** One XNNPACK call per batch entry on [M, K] x [K, N] views. */
  | {
      kind: 'per-batch';
      transposeA: boolean;
      transposeB: boolean;
      batch: number;
      M: number;
      K: number;
      N: number;
    };

/** Below this many multiply-adds per batch entry the stock loop beats per-entry XNNPACK calls. */
export const PER_BATCH_MIN_MACS = 16_384;

/** A^T B runs as (B^T A)^T when B is at least this many times wider than A (measured: 4x). */
export const SWAP_MIN_RATIO = 4;

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * Plans C = op(A) @ op(B) for shapes [...batchA, ., .] x [...batchB, ., .] with the stock
 * kernel's broadcasting: op(A) is [M, K], op(B) is [K, N] per batch entry.
 */
export function planMatMul(
  aShape: number[],
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulPlan {
  const ra = aShape.length;
  const rb = bShape.length;
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  const batchA = product(aShape.slice(0, -2));
  const batchB = product(bShape.slice(0, -2));
  if (M * N * K === 0) return { kind: 'stock' };
  if (batchB === 1 && (batchA === 1 || !transposeA)) {
    if (batchA === 1 && !transposeA && !transposeB) return { kind: 'stock' }; // already XNNPACK
    // A weight gradient X^T dY with a wide dY ([5080, 256]^T x [5080, 1024]): XNNPACK packs its
    // right operand on every call, so packing X (K x M) instead of dY (K x N) is ~25% faster.
    if (batchA === 1 && transposeA && !transposeB && N >= SWAP_MIN_RATIO * M)
      return { kind: 'folded', transposeA, transposeB, rows: M, K, N, swap: true };
    return { kind: 'folded', transposeA, transposeB, rows: batchA * M, K, N };
  }
  if (batchA === batchB && M * N * K >= PER_BATCH_MIN_MACS)
    return { kind: 'per-batch', transposeA, transposeB, batch: batchA, M, K, N };
  return { kind: 'stock' };
}

/** The parts of BackendWasm 4.22 this kernel uses (not public API; checked at install). */
interface WasmBackendInternals {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...a: unknown[]) => void;
    tfjs: {
      registerTensor(id: number, size: number, offset: number): void;
      disposeData(id: number): void;
    };
  };
  dataIdMap: {
    get(dataId: object): { id: number; memoryOffset: number; shape: number[] };
    has(dataId: object): boolean;
  };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

type KernelArgs = {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  backend: WasmBackendInternals;
  attrs: { transposeA: boolean; transposeB: boolean };
};

const bytes = (xs: number[]) => new Uint8Array(new Int32Array(xs).buffer);

/**
 * XNNPACK packs a matmul's right operand into an operator that the wasm backend keeps until that
 * tensor is disposed: for frozen weights, a second copy of the model for as long as it lives
 * (Qwen2.5-0.5B: 2 GB of float32 weights + 2 GB of packs fill the 4 GB heap before a single
 * activation). Live tensors plus kept packs may use this many bytes: a right operand keeps its
 * pack while they fit; past it, the product packs per call and drops the pack at once (the same
 * XNNPACK call; the packing pass, O(K N), repeats), and once live tensors alone push the total
 * over (an update's activations), every kept pack is dropped (their tensors stay). Decoding,
 * with few live activations, keeps what fits; models whose weights fit twice (the scratch
 * presets, SmolLM2-135M) keep every pack, as before.
 */
export const PACK_KEEP_LIMIT_BYTES = 3 * 2 ** 30;

let packKeepLimit = PACK_KEEP_LIMIT_BYTES;
/** Sets the limit (tests; a tab that must leave more heap to activations); returns the old one. */
export function setPackKeepLimit(bytes: number): number {
  const old = packKeepLimit;
  packKeepLimit = bytes;
  return old;
}

/**
 * Whether a right operand of `size` floats may keep its pack (pure: the rule above):
 *   live + kept + 4 size + reserve <= limit
 * `reserve` is the largest pack made per call so far: a refused operand's pack still exists for
 * the length of its product (Qwen2.5-0.5B's tied head, [896, 151936]: 545 MB), so kept packs
 * must leave room for it or the heap fills (XNNPACK status 6, then an out-of-bounds access).
 */
export function mayKeepPack(
  liveTensorBytes: number,
  keptPackBytes: number,
  size: number,
  limit: number,
  reserve = 0,
): boolean {
  return liveTensorBytes + keptPackBytes + 4 * size + reserve <= limit;
}

let installed = false;

/**
 * Replaces the wasm BatchMatMul kernel (idempotent). Returns false, changing nothing, when the
 * wasm backend is not registered or its internals are not the ones this was written for.
 */
export function installFastWasmMatMul(): boolean {
  if (installed) return true;
  const stock = tf.getKernel('BatchMatMul', 'wasm');
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  const reshapeKernel = tf.getKernel('Reshape', 'wasm');
  if (!stock || !transposeKernel || !reshapeKernel) return false;
  let xnnMatMul: ((...a: unknown[]) => void) | null = null;

  const setup = (backend: unknown) => {
    stock.setupFunc?.(backend as tf.KernelBackend);
    xnnMatMul = null;
    const b = backend as Partial<WasmBackendInternals>;
    if (typeof b.wasm?.cwrap === 'function' && typeof b.wasm.tfjs?.registerTensor === 'function')
      xnnMatMul = b.wasm.cwrap('BatchMatMul', null, [
        'number',
        'array',
        'number',
        'number',
        'array',
        'number',
        'number',
        'number',
        'number',
      ]);
  };

  const run = (kernel: tf.KernelConfig, args: object) =>
    kernel.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;

  /** x with its last two axes swapped, in a new buffer. */
  const swapLast = (x: tf.TensorInfo, backend: WasmBackendInternals) => {
    const r = x.shape.length;
    const perm = [...Array(r).keys()];
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return run(transposeKernel, { inputs: { x }, backend, attrs: { perm } });
  };

  /** A tensor id for [rows, cols] floats at a byte offset of existing memory (no copy). */
  const view = (backend: WasmBackendInternals, offset: number, size: number) => {
    const id = backend.dataIdNextNumber++;
    backend.wasm.tfjs.registerTensor(id, size, offset);
    return id;
  };

  /** Right operands whose XNNPACK pack the backend keeps: dataId -> bytes, and their sum. */
  const kept = new Map<object, number>();
  let keptBytes = 0;
  /** Forgets operands disposed since (their packs went with them). */
  const prune = (backend: WasmBackendInternals) => {
    keptBytes = 0;
    for (const [id, n] of kept) {
      if (backend.dataIdMap.has(id)) keptBytes += n;
      else kept.delete(id);
    }
  };
  /** Drops every kept pack; the tensors stay (re-registered at the same memory, no copy). */
  const evict = (backend: WasmBackendInternals) => {
    for (const id of kept.keys()) {
      if (!backend.dataIdMap.has(id)) continue;
      const d = backend.dataIdMap.get(id);
      backend.wasm.tfjs.disposeData(d.id); // unregisters and frees its XNNPACK operators
      backend.wasm.tfjs.registerTensor(d.id, product(d.shape), d.memoryOffset);
    }
    kept.clear();
    keptBytes = 0;
  };
  /** The largest pack made per call so far (bytes): room kept packs leave free. */
  let reserve = 0;
  /** True when b (an input of this call, not a temporary) may keep its pack (mayKeepPack). */
  const keepsPack = (backend: WasmBackendInternals, b: tf.TensorInfo): boolean => {
    const live = tf.memory().numBytes;
    if (live + keptBytes + reserve > packKeepLimit) {
      prune(backend);
      // the activations (or a per-call pack) need the room
      if (live + keptBytes + reserve > packKeepLimit) evict(backend);
    }
    if (kept.has(b.dataId)) return true;
    const size = product(b.shape);
    if (!mayKeepPack(live, keptBytes, size, packKeepLimit, reserve)) {
      prune(backend);
      if (!mayKeepPack(live, keptBytes, size, packKeepLimit, reserve)) {
        reserve = Math.max(reserve, 4 * size);
        if (live + keptBytes + reserve > packKeepLimit) evict(backend); // room for this pack
        return false;
      }
    }
    kept.set(b.dataId, 4 * size);
    keptBytes += 4 * size;
    return true;
  };

  /** [M, K] x [K, N] -> out, one XNNPACK call on fresh views: the pack is dropped after it. */
  const xnnOnce = (
    backend: WasmBackendInternals,
    offsets: [number, number, number],
    M: number,
    K: number,
    N: number,
  ) => {
    const ids = [
      view(backend, offsets[0], M * K),
      view(backend, offsets[1], K * N),
      view(backend, offsets[2], M * N),
    ];
    try {
      xnnMatMul!(ids[0], bytes([1, M, K]), 3, ids[1], bytes([1, K, N]), 3, 0, 0, ids[2]);
    } finally {
      // Unregister only: the memory belongs to the operands. Also frees the XNNPACK operator
      // (the packed right operand) made for the b view.
      ids.forEach((id) => backend.wasm.tfjs.disposeData(id));
    }
  };

  /** a [.., M, K] x b [K, N] (b batch 1, contiguous) without keeping b's pack. */
  const unkeptProduct = (
    backend: WasmBackendInternals,
    a: tf.TensorInfo,
    b: tf.TensorInfo,
    outShape: number[],
  ): tf.TensorInfo => {
    const K = b.shape[b.shape.length - 2];
    const N = b.shape[b.shape.length - 1];
    const M = product(a.shape) / K;
    const out = backend.makeOutput(outShape, 'float32');
    const off = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
    xnnOnce(backend, [off(a), off(b), off(out)], M, K, N);
    return out;
  };

  const kernelFunc = (raw: unknown): tf.TensorInfo => {
    const args = raw as KernelArgs;
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    const plan =
      xnnMatMul && a.dtype === 'float32' && b.dtype === 'float32'
        ? planMatMul(a.shape, b.shape, attrs.transposeA, attrs.transposeB)
        : ({ kind: 'stock' } as const);
    // The stock kernel's XNNPACK path (batch 1, nothing transposed) keeps b's pack.
    const stockXnn =
      plan.kind === 'stock' &&
      xnnMatMul !== null &&
      a.dtype === 'float32' &&
      b.dtype === 'float32' &&
      product(a.shape.slice(0, -2)) === 1 &&
      product(b.shape.slice(0, -2)) === 1 &&
      !attrs.transposeA &&
      !attrs.transposeB &&
      product(a.shape) > 0 &&
      product(b.shape) > 0;
    if (stockXnn && !keepsPack(backend, b)) {
      const outBatch = a.shape.length >= b.shape.length ? a.shape : b.shape;
      return unkeptProduct(backend, a, b, [
        ...outBatch.slice(0, -2),
        a.shape[a.shape.length - 2],
        b.shape[b.shape.length - 1],
      ]);
    }
    if (plan.kind === 'stock') return run(stock, args);
    const outBatch = tf.backend_util.assertAndGetBroadcastShape(
      a.shape.slice(0, -2),
      b.shape.slice(0, -2),
    );
    const temps: tf.TensorInfo[] = [];
    try {
      if (plan.kind === 'folded' && plan.swap) {
        // C = A^T B as (B^T A)^T: a [K, M] is already B^T A's right operand; b [K, N] -> [N, K].
        const bT = swapLast(b, backend);
        temps.push(bT);
        const a3 = run(reshapeKernel, {
          inputs: { x: a },
          backend,
          attrs: { shape: [1, plan.K, plan.rows] },
        });
        temps.push(a3);
        const b3 = run(reshapeKernel, {
          inputs: { x: bT },
          backend,
          attrs: { shape: [1, plan.N, plan.K] },
        });
        temps.push(b3);
        const cT = run(stock, {
          inputs: { a: b3, b: a3 },
          backend,
          attrs: { transposeA: false, transposeB: false },
        });
        temps.push(cT);
        const c = swapLast(cT, backend); // [1, M, N]
        return { ...c, shape: [...outBatch, plan.rows, plan.N] };
      }
      // op(A) as [.., M, K] and op(B) as [.., K, N], contiguous.
      const a2 = plan.transposeA ? swapLast(a, backend) : a;
      if (a2 !== a) temps.push(a2);
      const b2 = plan.transposeB ? swapLast(b, backend) : b;
      if (b2 !== b) temps.push(b2);
      if (plan.kind === 'folded') {
        // b itself (not a transposed copy) is the right operand: the stock call would keep its pack.
        if (b2 === b && !keepsPack(backend, b))
          return unkeptProduct(backend, a2, b, [
            ...outBatch,
            plan.rows / product(outBatch),
            plan.N,
          ]);
        const a3 = run(reshapeKernel, {
          inputs: { x: a2 },
          backend,
          attrs: { shape: [1, plan.rows, plan.K] },
        });
        temps.push(a3);
        const b3 = run(reshapeKernel, {
          inputs: { x: b2 },
          backend,
          attrs: { shape: [1, plan.K, plan.N] },
        });
        temps.push(b3);
        const out = run(stock, {
          inputs: { a: a3, b: b3 },
          backend,
          attrs: { transposeA: false, transposeB: false },
        });
        return { ...out, shape: [...outBatch, plan.rows / product(outBatch), plan.N] };
      }
      const { batch, M, K, N } = plan;
      const out = backend.makeOutput([...outBatch, M, N], 'float32');
      const aOff = backend.dataIdMap.get(a2.dataId).memoryOffset;
      const bOff = backend.dataIdMap.get(b2.dataId).memoryOffset;
      const oOff = backend.dataIdMap.get(out.dataId).memoryOffset;
      const aShape = bytes([1, M, K]);
      const bShape = bytes([1, K, N]);
      // each entry is its own XNNPACK call, which may fail alone: mark each entry's output
      markUnwritten(backend, out, batch);
      for (let i = 0; i < batch; i++) {
        const ids = [
          view(backend, aOff + 4 * i * M * K, M * K),
          view(backend, bOff + 4 * i * K * N, K * N),
          view(backend, oOff + 4 * i * M * N, M * N),
        ];
        try {
          xnnMatMul!(ids[0], aShape, 3, ids[1], bShape, 3, 0, 0, ids[2]);
        } finally {
          // Unregister only: the memory belongs to a2, b2 and out. Also frees the cached
          // XNNPACK operator made for the b view.
          ids.forEach((id) => backend.wasm.tfjs.disposeData(id));
        }
      }
      if (stillUnwritten(backend, out, batch)) {
        backend.disposeData(out.dataId);
        throw unwrittenError('BatchMatMul', out.shape);
      }
      return out;
    } finally {
      temps.forEach((t) => backend.disposeData(t.dataId));
    }
  };

  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: setup,
    disposeFunc: stock.disposeFunc,
    kernelFunc: guardUnwritten('BatchMatMul', kernelFunc as tf.KernelFunc),
  });
  // Already running on wasm: the engine set the stock kernel up; set ours up now.
  if (tf.getBackend() === 'wasm') setup(tf.backend());
  installed = true;
  return true;
}
