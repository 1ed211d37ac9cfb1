import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../random';
import {
  installFastWasmMatMul,
  mayKeepPack,
  PACK_KEEP_LIMIT_BYTES,
  planMatMul,
  PER_BATCH_MIN_MACS,
  setPackKeepLimit,
} from './wasmMatMul';

describe('planMatMul', () => {
  it('keeps the stock XNNPACK case and tiny batched products on the stock kernel', () => {
    expect(planMatMul([5, 3], [3, 4], false, false)).toEqual({ kind: 'stock' });
    expect(planMatMul([1, 5, 3], [1, 3, 4], false, false)).toEqual({ kind: 'stock' });
    // decoding attention: [B, H, 1, hd] x [B, H, S, hd]^T, 1 * 40 * 16 MACs per head
    expect(planMatMul([2, 4, 1, 16], [2, 4, 40, 16], false, true)).toEqual({ kind: 'stock' });
    expect(planMatMul([0, 3], [3, 4], true, false)).toEqual({ kind: 'stock' });
  });

  it('folds a batch only a has into the rows, transposing what needs it', () => {
    // weight gradient X^T dY: [N, d]^T x [N, m] -> op(A) [d, N], K = N
    expect(planMatMul([100, 8], [100, 12], true, false)).toEqual({
      kind: 'folded',
      transposeA: true,
      transposeB: false,
      rows: 8,
      K: 100,
      N: 12,
    });
    // a wide weight gradient ([N, 8]^T x [N, 40]): the transposed product, packing the narrow side
    expect(planMatMul([100, 8], [100, 40], true, false)).toEqual({
      kind: 'folded',
      transposeA: true,
      transposeB: false,
      rows: 8,
      K: 100,
      N: 40,
      swap: true,
    });
    expect(planMatMul([1, 100, 8], [1, 100, 40], true, false)).toMatchObject({ swap: true });
    // tied head: [B, T, d] x [V, d]^T -> rows B*T
    expect(planMatMul([2, 5, 8], [37, 8], false, true)).toEqual({
      kind: 'folded',
      transposeA: false,
      transposeB: true,
      rows: 10,
      K: 8,
      N: 37,
    });
  });

  it('runs a real batch per entry once an entry is big enough', () => {
    expect(planMatMul([2, 4, 64, 64], [2, 4, 64, 16], false, false)).toEqual({
      kind: 'per-batch',
      transposeA: false,
      transposeB: false,
      batch: 8,
      M: 64,
      K: 64,
      N: 16,
    });
    expect(planMatMul([3, 32, 16], [3, 32, 16], false, true).kind).toBe('per-batch');
    expect(64 * 64 * 16).toBeGreaterThanOrEqual(PER_BATCH_MIN_MACS);
  });
});

const CASES: Array<{ a: number[]; b: number[]; tA: boolean; tB: boolean; plan: string }> = [
  { a: [7, 5], b: [5, 3], tA: false, tB: false, plan: 'stock' },
  { a: [5, 7], b: [5, 3], tA: true, tB: false, plan: 'folded' },
  { a: [7, 5], b: [3, 5], tA: false, tB: true, plan: 'folded' },
  { a: [5, 7], b: [3, 5], tA: true, tB: true, plan: 'folded' },
  { a: [2, 3, 5], b: [5, 4], tA: false, tB: false, plan: 'folded' },
  { a: [2, 3, 5], b: [4, 5], tA: false, tB: true, plan: 'folded' },
  { a: [2, 3, 40, 24], b: [2, 3, 24, 20], tA: false, tB: false, plan: 'per-batch' },
  { a: [60, 8], b: [60, 40], tA: true, tB: false, plan: 'folded' },
  { a: [1, 60, 6], b: [1, 60, 30], tA: true, tB: false, plan: 'folded' },
  { a: [2, 3, 40, 24], b: [2, 3, 20, 24], tA: false, tB: true, plan: 'per-batch' },
  { a: [2, 3, 24, 40], b: [2, 3, 24, 20], tA: true, tB: false, plan: 'per-batch' },
  { a: [6, 24, 40], b: [6, 20, 24], tA: true, tB: true, plan: 'per-batch' },
  { a: [2, 3, 1, 8], b: [2, 3, 9, 8], tA: false, tB: true, plan: 'stock' },
];

function values(shape: number[], seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.next() - 0.5);
}

/**
 * Product, d(sum(w * C))/dA and /dB for fixed weights w, on the active backend (tfjs has no
 * matMul gradient when the ranks differ: those cases check the product only).
 */
function run(c: (typeof CASES)[number], i: number): number[][] {
  return tf.tidy(() => {
    const a = tf.tensor(values(c.a, 10 + i), c.a);
    const b = tf.tensor(values(c.b, 20 + i), c.b);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, c.tA, c.tB);
    const out = f(a, b);
    const w = tf.tensor(values(out.shape, 30 + i), out.shape);
    const grads =
      c.a.length === c.b.length
        ? tf.grads((x: tf.Tensor, y: tf.Tensor) => f(x, y).mul(w).sum())([a, b])
        : [];
    return [out, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

describe('mayKeepPack', () => {
  it('keeps a pack while live tensors + kept packs + this one fit the limit', () => {
    const GiB = 2 ** 30;
    expect(mayKeepPack(0.5 * GiB, 0.5 * GiB, 2 ** 20, PACK_KEEP_LIMIT_BYTES)).toBe(true);
    // Qwen2.5-0.5B decoding: 1.9 GiB live, 1.1 GiB of packs kept: its next weight repacks per call
    expect(mayKeepPack(1.9 * GiB, 1.1 * GiB, 25 * 2 ** 20, PACK_KEEP_LIMIT_BYTES)).toBe(false);
    // SmolLM2-135M: 0.5 GiB of weights + their packs fit
    expect(mayKeepPack(0.5 * GiB, 0.45 * GiB, 28 * 2 ** 20, PACK_KEEP_LIMIT_BYTES)).toBe(true);
    // with Qwen's head (545 MB) packed per call, kept packs leave it room
    const head = 4 * 896 * 151936;
    expect(mayKeepPack(1.9 * GiB, 0.5 * GiB, 2 ** 20, PACK_KEEP_LIMIT_BYTES, head)).toBe(true);
    expect(mayKeepPack(1.9 * GiB, 0.6 * GiB, 2 ** 20, PACK_KEEP_LIMIT_BYTES, head)).toBe(false);
    expect(mayKeepPack(0, 0, 1, 4)).toBe(true);
    expect(mayKeepPack(0, 0, 2, 4)).toBe(false);
  });
});

describe('fast wasm BatchMatMul', () => {
  let reference: number[][][];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    reference = CASES.map((c, i) => run(c, i));
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    await tf.setBackend('wasm');
    expect(installFastWasmMatMul()).toBe(true);
    expect(installFastWasmMatMul()).toBe(true); // idempotent
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches the cpu backend on products and gradients for every plan', () => {
    CASES.forEach((c, i) => {
      expect(planMatMul(c.a, c.b, c.tA, c.tB).kind).toBe(c.plan);
      const got = run(c, i);
      got.forEach((arr, k) => {
        expect(arr.length).toBe(reference[i][k].length);
        const worst = Math.max(...arr.map((v, j) => Math.abs(v - reference[i][k][j])));
        expect(worst, `case ${i} output ${k}`).toBeLessThan(1e-5);
      });
    });
  });

  it('leaves no tensors or heap bytes behind', () => {
    run(CASES[6], 6); // first call may grow caches
    const before = tf.memory();
    for (let i = 0; i < CASES.length; i++) run(CASES[i], i);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('with no room to keep packs, gives the same products and gradients and keeps no heap', () => {
    const old = setPackKeepLimit(0);
    try {
      run(CASES[0], 0); // first call may grow caches
      const before = tf.memory();
      CASES.forEach((c, i) => {
        const got = run(c, i);
        got.forEach((arr, k) => {
          const worst = Math.max(...arr.map((v, j) => Math.abs(v - reference[i][k][j])));
          expect(worst, `case ${i} output ${k}`).toBeLessThan(1e-5);
        });
      });
      // a weight reused across calls (as in decoding) is packed per call
      const w = tf.tensor(values([5, 3], 1), [5, 3]);
      const x = tf.tensor(values([7, 5], 2), [7, 5]);
      const y1 = tf.tidy(() => tf.matMul(x, w).dataSync());
      const y2 = tf.tidy(() => tf.matMul(x, w).dataSync());
      expect(Array.from(y2)).toEqual(Array.from(y1));
      tf.dispose([w, x]);
      const after = tf.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
    } finally {
      setPackKeepLimit(old);
    }
  });

  it('drops kept packs when live tensors outgrow the limit; the weights stay intact', () => {
    const w = tf.tensor(values([64, 32], 3), [64, 32]);
    const x = tf.tensor(values([8, 64], 4), [8, 64]);
    const want = tf.tidy(() => Array.from(tf.matMul(x, w).dataSync()));
    const wData = Array.from(w.dataSync());
    // room for w's pack beside what is live now, not once 1 MB more is live
    const old = setPackKeepLimit(tf.memory().numBytes + 4 * 64 * 32 + 1024);
    try {
      const first = tf.tidy(() => Array.from(tf.matMul(x, w).dataSync())); // keeps w's pack
      const big = tf.zeros([256, 1024]); // 1 MB live: over the limit, the kept pack goes
      const second = tf.tidy(() => Array.from(tf.matMul(x, w).dataSync()));
      big.dispose();
      const third = tf.tidy(() => Array.from(tf.matMul(x, w).dataSync())); // kept again
      for (const got of [first, second, third])
        got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
      expect(Array.from(w.dataSync())).toEqual(wData);
    } finally {
      setPackKeepLimit(old);
      tf.dispose([w, x]);
    }
  });
});
