import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSharedWasmIdentity } from './wasmIdentity';
import { installFastWasmMatMul } from './wasmMatMul';

describe('shared wasm Identity (clone without a copy)', () => {
  beforeAll(async () => {
    expect(installSharedWasmIdentity()).toBe(true);
    expect(installSharedWasmIdentity()).toBe(true); // idempotent
    installFastWasmMatMul();
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a clone shares the memory, outlives its source, and the last one frees it', () => {
    const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const ids0 = ids();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = x.clone();
    // one buffer, two tensors (tf.memory().numBytes counts per tensor, so it shows 2 x 24 bytes)
    expect(ids()).toBe(ids0 + 1);
    x.dispose();
    expect(ids()).toBe(ids0 + 1);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(y.shape).toEqual([2, 3]);
    y.dispose();
    expect(ids()).toBe(ids0);
    const ints = tf.tensor1d([7, 8], 'int32');
    const b = tf.tensor1d([true, false], 'bool');
    expect(Array.from(ints.clone().dataSync())).toEqual([7, 8]);
    expect(Array.from(b.clone().dataSync())).toEqual([1, 0]);
    tf.dispose([ints, b]);
  });

  it('a variable assigned a new value leaves its clones as they were', () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const c = v.clone();
    v.assign(tf.tensor1d([9, 9, 9]));
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([9, 9, 9]);
    tf.dispose([v, c]);
  });

  it('gives a training step the cpu backend’s gradients and leaks nothing', async () => {
    const grads = () =>
      tf.tidy(() => {
        const w = tf.variable(tf.randomUniform([8, 5], -1, 1, 'float32', 1));
        const x = tf.randomUniform([6, 8], -1, 1, 'float32', 2);
        const { grads: g } = tf.variableGrads(
          () => tf.matMul(x, w).square().sum() as tf.Scalar,
          [w],
        );
        const out = Array.from(g[w.name].dataSync());
        w.dispose();
        return out;
      });
    const before = tf.memory().numTensors;
    const got = grads();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    const want = grads();
    await tf.setBackend('wasm');
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 4));
  });
});
