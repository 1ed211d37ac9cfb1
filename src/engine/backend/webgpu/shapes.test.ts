/**
 * The fused decoding kernels check shapes before they reach the device: a bad shape is a clear
 * error on any backend (the values are checked on WebGPU by test/webgpuKernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedDecodeStep } from '../../model/fusedDecode';
import { TransformerModel } from '../../model/transformer';
import { appendKV, decodeAttention } from './decodeAttention';
import { fusedLinear } from './fusedLinear';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const z = (...shape: number[]) => tf.zeros(shape);

describe('fused decoding kernels: shape errors', () => {
  it('fusedLinear names the mismatch', () => {
    expect(() => fusedLinear(z(2, 3), z(4, 5))).toThrow(/fusedLinear: w must have 3 input rows/);
    expect(() => fusedLinear(z(2, 3), z(3, 5), { bias: z(4) })).toThrow(/bias must have 5/);
    expect(() => fusedLinear(z(2, 3), z(5, 3), { transposeW: true, residual: z(2, 3) })).toThrow(
      /residual must be \[2, 5\]/,
    );
    expect(() => fusedLinear(z(2, 3, 1), z(3, 5))).toThrow(/must be 2-D/);
  });

  it('appendKV and decodeAttention check the cache, slot, length, bias and RoPE inputs', () => {
    const cache = z(2, 4, 10, 16) as tf.Tensor4D; // hd 8: keys and values side by side
    const qkv = z(2, 96) as tf.Tensor2D;
    expect(() => appendKV(cache, z(2, 95) as tf.Tensor2D, 0)).toThrow(
      /qkv must be \[B, 3 H hd\] for a cache \[B, H, capacity, 2 hd\]/,
    );
    expect(() => appendKV(z(2, 4, 10, 15) as tf.Tensor4D, qkv, 0)).toThrow(/qkv must be/);
    expect(() => appendKV(cache, qkv, 10)).toThrow(/slot must be in \[0, 10\)/);
    const rope = { positions: tf.tensor1d([1, 2], 'int32'), invFreq: z(3) };
    expect(() => appendKV(cache, qkv, 0, rope)).toThrow(/invFreq 4 values/);
    expect(() => decodeAttention(qkv, cache, { length: 11, scale: 1 })).toThrow(
      /length must be in \[1, 10\]/,
    );
    expect(() => decodeAttention(qkv, cache, { length: 5, scale: 1, bias: z(2, 4, 1, 5) })).toThrow(
      /bias must be \[1 or 2, 5\]/,
    );
  });

  it('a decoding step past the cache capacity says so', () => {
    const model = TransformerModel.create(
      { vocab: 11, dModel: 8, layers: 1, heads: 2, context: 16, mlpRatio: 1, positions: 'rope' },
      1,
    );
    const cache = z(1, 2, 16, 8) as tf.Tensor4D;
    const kv = { k: cache, v: cache, length: 16 };
    const tokens = tf.tensor2d([[3]], [1, 1], 'int32');
    expect(() => fusedDecodeStep(model.config, model.params, tokens, { past: [kv] }, null)).toThrow(
      /exceeds the KV cache capacity \(16 = model.context\)/,
    );
    model.dispose();
  });
});
