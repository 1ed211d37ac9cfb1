import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformerModel } from '../model/transformer';
import { configFromSafetensors, modelFromSafetensors, modelToSafetensors } from '../model/weights';
import {
  decodeSafetensors,
  encodeSafetensors,
  f32ToBytes,
  f32ToF16Bytes,
  floatToHalf,
  safetensorsViews,
  toFloat32,
} from './safetensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * An independent reader written from the format description only:
 * u64 LE header size N, then N bytes of JSON, then the data; offsets relative to the data start.
 */
function independentParse(
  buf: Uint8Array,
): Record<string, { dtype: string; shape: number[]; values: number[] }> {
  let n = 0;
  for (let i = 7; i >= 0; i--) n = n * 256 + buf[i];
  const header = JSON.parse(Buffer.from(buf.subarray(8, 8 + n)).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const out: Record<string, { dtype: string; shape: number[]; values: number[] }> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = info.data_offsets;
    const raw = Buffer.from(buf.subarray(8 + n + b, 8 + n + e));
    const values: number[] = [];
    for (let i = 0; i < raw.length; i += 4) values.push(raw.readFloatLE(i));
    out[name] = { dtype: info.dtype, shape: info.shape, values };
  }
  return out;
}

describe('safetensors', () => {
  it('round-trips byte-exact', () => {
    const a = new Float32Array([1, -2.5, 3.25, Math.PI, -0, 1e-30]);
    const b = new Float32Array([42]);
    const bytes = encodeSafetensors(
      [
        ['a', { dtype: 'F32', shape: [2, 3], bytes: f32ToBytes(a) }],
        ['b.c', { dtype: 'F32', shape: [1], bytes: f32ToBytes(b) }],
      ],
      { note: 'hi' },
    );
    const decoded = decodeSafetensors(bytes);
    expect(decoded.metadata).toEqual({ note: 'hi' });
    expect(Array.from(toFloat32(decoded.tensors.get('a')!))).toEqual(Array.from(a));
    const again = encodeSafetensors([...decoded.tensors.entries()], decoded.metadata);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    // Header is padded to 8 bytes so data is aligned.
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
  });

  it('a model file the lab writes is read correctly by an independent parser', async () => {
    const cfg = { vocab: 13, dModel: 8, layers: 2, heads: 2, context: 16, mlpRatio: 4 };
    const model = TransformerModel.create(cfg, 3);
    const bytes = await modelToSafetensors(model);
    const parsed = independentParse(bytes);
    const arrays = await model.toArrays();
    expect(Object.keys(parsed).sort()).toEqual([...arrays.keys()].sort());
    expect(parsed['wte.weight'].shape).toEqual([13, 8]);
    expect(parsed['h.1.mlp.c_fc.weight'].shape).toEqual([8, 32]);
    for (const [name, data] of arrays) {
      expect(parsed[name].dtype).toBe('F32');
      expect(parsed[name].values).toEqual(Array.from(data));
    }
    // And loading it back gives the same logits.
    expect(configFromSafetensors(bytes)).toEqual(cfg);
    const loaded = modelFromSafetensors(bytes);
    const ids = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
    const x = tf.tidy(() => model.forward(ids).logits.dataSync());
    const y = tf.tidy(() => loaded.forward(ids).logits.dataSync());
    expect(Array.from(y)).toEqual(Array.from(x));
    ids.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('converts F16 and BF16 and reports malformed files clearly', () => {
    // 1.0 in F16 is 0x3C00; -2.0 in BF16 is 0xC000.
    const f16 = { dtype: 'F16' as const, shape: [1], bytes: new Uint8Array([0x00, 0x3c]) };
    const bf16 = { dtype: 'BF16' as const, shape: [1], bytes: new Uint8Array([0x00, 0xc0]) };
    expect(toFloat32(f16)[0]).toBe(1);
    expect(toFloat32(bf16)[0]).toBe(-2);
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(/shorter than its 8-byte header/);
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setBigUint64(0, 1000n, true);
    expect(() => decodeSafetensors(bad)).toThrow(/exceeds the file size/);
  });

  it('writes F16 rounded to nearest even, like numpy float16', () => {
    // hand-checked half bit patterns
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff], // largest half
      [65520, 0x7c00], // rounds up to Inf
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -26, 0x0000], // below half of it: 0
      [1 + 2 ** -11, 0x3c00], // tie: to even (mantissa 0)
      [1 + 3 * 2 ** -11, 0x3c02], // tie: to even (mantissa 2)
      [1 / 3, 0x3555],
    ];
    for (const [x, bits] of cases) expect(floatToHalf(x), String(x)).toBe(bits);
    expect(floatToHalf(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(Number.NaN) & 0x3ff).not.toBe(0);
    // round trip: |x - half(x)| <= 2^-11 |x| in the normal range
    const xs = new Float32Array([0.1, -0.02, 3.14159, 123.456, 1e-3, -7.5e-5]);
    const back = toFloat32({ dtype: 'F16', shape: [xs.length], bytes: f32ToF16Bytes(xs) });
    xs.forEach((x, i) => expect(Math.abs(back[i] - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11));
  });

  it('reads the same tensors as views into the file (no copy), messages naming the file', () => {
    const bytes = encodeSafetensors(
      [
        ['a', { dtype: 'F32', shape: [2], bytes: f32ToBytes(new Float32Array([1.5, -2])) }],
        ['b', { dtype: 'F16', shape: [1], bytes: f32ToF16Bytes(new Float32Array([0.25])) }],
      ],
      { format: 'pt' },
    );
    const copies = decodeSafetensors(bytes).tensors;
    const views = safetensorsViews(bytes, 'model.safetensors');
    expect([...views.keys()]).toEqual([...copies.keys()]);
    for (const [name, v] of views) {
      expect(v.bytes.buffer).toBe(bytes.buffer); // a view: same memory as the file
      expect(toFloat32(v)).toEqual(toFloat32(copies.get(name)!));
    }
    expect(copies.get('a')!.bytes.buffer).not.toBe(bytes.buffer); // decode copies
    expect(() => safetensorsViews(new Uint8Array(3), 'x.safetensors')).toThrow(
      'x.safetensors is not a safetensors file: shorter than its 8-byte header length.',
    );
    expect(() => safetensorsViews(bytes.subarray(0, bytes.length - 2), 'x.safetensors')).toThrow(
      /^x\.safetensors: tensor "b": data_offsets .* was the download cut short\?$/,
    );
  });
});
