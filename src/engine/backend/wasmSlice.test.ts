import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installFastWasmSlice, sliceRuns } from './wasmSlice';

describe('sliceRuns', () => {
  it('merges trailing full axes into one run per outer index', () => {
    // [2, 3, 4]: rows 1..2 of axis 1, all of axis 2 -> per axis-0 entry one run of 2 * 4
    expect(sliceRuns([2, 3, 4], [0, 1, 0], [2, 2, 4])).toEqual({
      runs: [
        [4, 0],
        [16, 8],
      ],
      length: 8,
    });
    // a column block of a matrix: one run per row
    expect(sliceRuns([3, 5], [0, 1], [3, 2])).toEqual({
      runs: [
        [1, 0],
        [6, 2],
        [11, 4],
      ],
      length: 2,
    });
    expect(sliceRuns([2, 3], [0, 0], [2, 3])).toEqual({ runs: [[0, 0]], length: 6 });
    expect(sliceRuns([], [], [])).toEqual({ runs: [[0, 0]], length: 1 });
    expect(sliceRuns([4, 2], [1, 0], [0, 2]).runs).toEqual([]);
  });
});

describe('fast wasm Slice and SplitV', () => {
  beforeAll(async () => {
    expect(installFastWasmSlice()).toBe(true);
    expect(installFastWasmSlice()).toBe(true); // idempotent
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  /** Every slice and split of the cases, read back, on one backend. */
  async function run(backend: string): Promise<number[][]> {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const out: tf.Tensor[] = [];
      const x = tf.range(0, 2 * 3 * 4 * 5 * 2).reshape([2, 3, 4, 5, 2]); // rank 5
      out.push(x.slice([1, 0, 1, 2, 0], [1, 3, 2, 3, 2]));
      out.push(x.slice([0, 1, 0, 0, 1], [2, 1, 4, 5, 1]));
      const m = tf.randomUniform([7, 9], -1, 1, 'float32', 3);
      out.push(m.slice([2, 3], [4, 5]), m.slice([0, 0], [7, 9]), m.slice(6, 1));
      out.push(...tf.split(m, [2, 3, 4], 1), ...tf.split(m, [3, 4], 0));
      const qkv = tf.randomUniform([20, 3, 64], -1, 1, 'float32', 4);
      out.push(...tf.split(qkv, 3, 1), ...tf.split(qkv, 2, -1));
      const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
      out.push(ints.slice([0, 1], [2, 2]), ...tf.split(ints, 3, 1));
      const bools = tf.tensor1d([true, false, true, true], 'bool');
      out.push(bools.slice(1, 2));
      out.push(x.slice([0, 0, 0, 0, 0], [0, 3, 4, 5, 2]));
      return out.map((t) => [...t.shape, -1, ...Array.from(t.dataSync())]);
    });
  }

  it('gives the cpu backend’s values for every rank, dtype and split', async () => {
    const want = await run('cpu');
    const got = await run('wasm');
    expect(got).toEqual(want);
  });

  it('never copies the whole input (the stock kernels read it back with readSync)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
    const readSync = backend.readSync;
    let reads = 0;
    backend.readSync = (...a: unknown[]) => {
      reads++;
      return readSync.apply(backend, a);
    };
    try {
      tf.tidy(() => {
        const x = tf.randomUniform([20, 3, 64]);
        tf.split(x, 3, 1);
        x.slice([0, 1, 0], [20, 1, 64]);
      });
    } finally {
      backend.readSync = readSync;
    }
    expect(reads).toBe(0);
  });

  it('slices through the gradient (the backward pass pads into place) and leaves nothing', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomUniform([4, 6], -1, 1, 'float32', 5);
      const [g] = tf.grads((a: tf.Tensor) => {
        const [p, q] = tf.split(a, 2, 1);
        return p.mul(q).sum();
      })([x]);
      // d/da sum(p * q) = [q | p]
      const [p, q] = tf.split(x, 2, 1);
      expect(Array.from(g.dataSync())).toEqual(Array.from(tf.concat([q, p], 1).dataSync()));
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
