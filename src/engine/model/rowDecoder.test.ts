import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { rowDecodeLayout, rowStateWidth } from '../backend/webgpu/rowDecodeStep';
import { countParameters, type ModelConfig } from './config';
import { rowDecoderUnavailable } from './rowDecoder';
import { TransformerModel } from './transformer';

const learned: ModelConfig = { vocab: 11, dModel: 8, layers: 2, heads: 2, context: 6, mlpRatio: 4 };
const rope: ModelConfig = { ...learned, positions: 'rope' };

describe('row decoder layout', () => {
  it('packs every weight once: learned positions = the parameter count, RoPE adds invFreq [hd/2] instead of wpe', () => {
    expect(rowDecodeLayout(learned).size).toBe(countParameters(learned));
    // hd = 4: 2 inverse frequencies instead of the 6 x 8 learned positions
    expect(rowDecodeLayout(rope).size).toBe(countParameters(rope) + 2);
    const l = rowDecodeLayout(learned);
    // per layer: ln1 (8 + 8), wqkv 8 x 24, bqkv 24, wo 64, bo 8, ln2 16, w1 8 x 32, b1 32, w2 32 x 8, b2 8
    expect(l.layer).toEqual({
      ln1g: 0,
      ln1b: 8,
      wqkv: 16,
      bqkv: 208,
      wo: 232,
      bo: 296,
      ln2g: 304,
      ln2b: 312,
      w1: 320,
      b1: 576,
      w2: 608,
      b2: 864,
    });
    expect(l.layerSize).toBe(872);
    expect([l.lnfg, l.lnfb, l.wte, l.wpe, l.invFreq]).toEqual([1744, 1752, 1760, 1848, null]);
    expect(rowDecodeLayout(rope).invFreq).toBe(1848);
  });

  it('a state row is the picked id and each layer [H, capacity, 2 hd]', () => {
    expect(rowStateWidth(learned, 5)).toBe(1 + 2 * 2 * 5 * 8); // L x H x C x 2 hd, hd = 4
  });

  it('is not used off WebGPU: sample() then steps forward()', () => {
    expect(tf.getBackend()).not.toBe('webgpu');
    expect(rowDecoderUnavailable(learned, 4, 6)).toBe('not on webgpu');
    const m = TransformerModel.create(learned, 1);
    const past = tf.tidy(() =>
      m.forward(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32')).present.map((kv) => tf.keep(kv.k)),
    );
    const kv = past.map((k) => ({ k: k as tf.Tensor4D, v: k as tf.Tensor4D }));
    expect(m.openStepDecoder(kv, { capacity: 6, temperature: 1 })).toBeNull();
    expect(() => m.openStepDecoder(kv, { capacity: 2, temperature: 1 })).toThrow(
      /3 cached positions exceed the capacity 2/,
    );
    tf.dispose(past);
    m.dispose();
  });
});
