/**
 * Each fused op against the plain tfjs composition of its formula: same values, same gradients
 * (tfjs differentiates the composition), no tensors left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../random';
import {
  attention,
  embedRows,
  frozenHeadScores,
  geluOp,
  layerNormOp,
  logProbsAndEntropy,
  swigluOp,
} from './fusedOps';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function rand(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 2 * scale),
    shape,
  );
}

/** Largest |a - b| over all values of matching tensor lists. */
function worst(a: tf.Tensor[], b: tf.Tensor[]): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  a.forEach((t, i) => {
    expect(t.shape).toEqual(b[i].shape);
    const x = t.dataSync();
    const y = b[i].dataSync();
    for (let j = 0; j < x.length; j++) w = Math.max(w, Math.abs(x[j] - y[j]));
  });
  return w;
}

/** Values and gradients of sum(w * f(inputs)) for a fixed random w. */
function valueAndGrads(f: (...x: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number) {
  const out = f(...inputs);
  const w = rand(out.shape, seed);
  const grads = tf.grads((...x: tf.Tensor[]) =>
    f(...x)
      .mul(w)
      .sum(),
  )(inputs);
  return [out, ...grads];
}

describe('fused ops', () => {
  it('GELU equals 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) with the same gradient', () => {
    tf.tidy(() => {
      const x = rand([6, 7], 1, 4);
      const plain = (t: tf.Tensor) => {
        const inner = t.add(t.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        return t.mul(0.5).mul(inner.tanh().add(1));
      };
      expect(worst(valueAndGrads(geluOp, [x], 2), valueAndGrads(plain, [x], 2))).toBeLessThan(1e-5);
      // hand-computed: gelu(1) = 0.5 (1 + tanh(0.7978846 * 1.044715)) = 0.8411920
      expect(geluOp(tf.scalar(1)).dataSync()[0]).toBeCloseTo(0.841192, 5);
    });
  });

  it('LayerNorm equals (x - mean)/sqrt(var + eps) g + b with the same gradients in x, g, b', () => {
    tf.tidy(() => {
      const x = rand([2, 3, 8], 3, 3);
      const g = rand([8], 4).add(1);
      const b = rand([8], 5);
      const plain = (t: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => {
        const { mean, variance } = tf.moments(t, -1, true);
        return t
          .sub(mean)
          .mul(tf.rsqrt(variance.add(1e-5)))
          .mul(gs)
          .add(bs);
      };
      expect(
        worst(valueAndGrads(layerNormOp(1e-5), [x, g, b], 6), valueAndGrads(plain, [x, g, b], 6)),
      ).toBeLessThan(1e-4);
      // hand-computed: [1, 3] -> mean 2, var 1 -> [-1, 1] / sqrt(1 + eps)
      const y = layerNormOp(1e-5)(tf.tensor2d([[1, 3]]), tf.ones([2]), tf.zeros([2]));
      expect(Array.from(y.dataSync())).toEqual([
        expect.closeTo(-0.999995, 6),
        expect.closeTo(0.999995, 6),
      ]);
    });
  });

  it('embedRows equals onehot(ids) @ wte with the same gradient', () => {
    tf.tidy(() => {
      const wte = rand([5, 3], 7);
      const ids = tf.tensor1d([4, 0, 4, 2], 'int32');
      const plain = (w: tf.Tensor) => tf.matMul(tf.oneHot(ids, 5).toFloat(), w as tf.Tensor2D);
      const fused = (w: tf.Tensor) => embedRows(w as tf.Tensor2D, ids);
      expect(worst(valueAndGrads(fused, [wte], 8), valueAndGrads(plain, [wte], 8))).toBe(0);
    });
  });

  it('log-probs and entropies equal log_softmax gathers with the same gradients', () => {
    tf.tidy(() => {
      const z = rand([5, 9], 9, 6);
      const targets = tf.tensor1d([0, 8, 3, 3, 5], 'int32');
      const plainBoth = (t: tf.Tensor) => {
        const lsm = tf.logSoftmax(t);
        const logp = lsm.mul(tf.oneHot(targets, 9).toFloat()).sum(-1);
        const ent = lsm.exp().mul(lsm).sum(-1).neg();
        return tf.stack([logp, ent]);
      };
      const fusedBoth = (t: tf.Tensor) => {
        const r = logProbsAndEntropy(t as tf.Tensor2D, targets);
        return tf.stack([r.logp, r.entropy]);
      };
      expect(
        worst(valueAndGrads(fusedBoth, [z], 10), valueAndGrads(plainBoth, [z], 10)),
      ).toBeLessThan(1e-5);
      // logp alone (entropy unused): its gradient is onehot - softmax
      const onlyLogp = (t: tf.Tensor) => logProbsAndEntropy(t as tf.Tensor2D, targets).logp;
      const plainLogp = (t: tf.Tensor) =>
        tf.logSoftmax(t).mul(tf.oneHot(targets, 9).toFloat()).sum(-1);
      expect(
        worst(valueAndGrads(onlyLogp, [z], 11), valueAndGrads(plainLogp, [z], 11)),
      ).toBeLessThan(1e-5);
      // hand-computed: uniform logits over 9 -> logp = -ln 9, H = ln 9
      const u = logProbsAndEntropy(tf.zeros([1, 9]) as tf.Tensor2D, tf.tensor1d([2], 'int32'));
      expect(u.logp.dataSync()[0]).toBeCloseTo(-Math.log(9), 6);
      expect(u.entropy.dataSync()[0]).toBeCloseTo(Math.log(9), 6);
    });
  });

  it('SwiGLU equals silu(g) u with the same gradients in g and u', () => {
    tf.tidy(() => {
      const g = rand([4, 6], 41, 4);
      const u = rand([4, 6], 42, 2);
      const plain = (a: tf.Tensor, b: tf.Tensor) => a.mul(tf.sigmoid(a)).mul(b);
      expect(
        worst(valueAndGrads(swigluOp, [g, u], 43), valueAndGrads(plain, [g, u], 43)),
      ).toBeLessThan(1e-5);
    });
  });

  it('frozen-head scores equal log-probs of h W in one pass, chunked or not, same dh', () => {
    tf.tidy(() => {
      const h = rand([7, 6], 31, 2);
      const w = rand([6, 11], 32, 2) as tf.Tensor2D;
      const targets = tf.tensor1d([0, 10, 3, 3, 5, 7, 1], 'int32');
      const plain = (t: tf.Tensor) => {
        const r = logProbsAndEntropy(tf.matMul(t, w) as tf.Tensor2D, targets);
        return tf.stack([r.logp, r.entropy]);
      };
      // 11 and 33 elements per chunk: 1 row and 3 rows a chunk (7 rows: uneven last chunk)
      for (const chunk of [11, 33, 1 << 23]) {
        const fused = (t: tf.Tensor) => {
          const r = frozenHeadScores(t as tf.Tensor2D, w, targets, chunk);
          return tf.stack([r.logp, r.entropy]);
        };
        expect(worst(valueAndGrads(fused, [h], 33), valueAndGrads(plain, [h], 33))).toBeLessThan(
          1e-5,
        );
      }
    });
    // the head is a model weight in use: it outlives the backward pass (here: made outside)
    const head = tf.ones([3, 5]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const h = rand([4, 3], 1);
      const ids = tf.tensor1d([1, 2, 3, 4], 'int32');
      tf.grad((t: tf.Tensor) => frozenHeadScores(t as tf.Tensor2D, head, ids, 5).logp.sum())(h);
    });
    expect(tf.memory().numTensors).toBe(before);
    head.dispose();
  });

  it('attention equals softmax(scale q k^T + bias) v with the same gradients in q, k, v', () => {
    tf.tidy(() => {
      const q = rand([2, 3, 4, 5], 13);
      const k = rand([2, 3, 6, 5], 14);
      const v = rand([2, 3, 6, 5], 15);
      // causal for 4 queries at positions 2..5 over 6 keys, and row 1's first key is padding
      const bias = tf.tensor4d(
        Array.from({ length: 2 * 4 * 6 }, (_, i) => {
          const [b, t, s] = [Math.floor(i / 24), Math.floor(i / 6) % 4, i % 6];
          return s > t + 2 || (b === 1 && s === 0) ? -1e9 : 0;
        }),
        [2, 1, 4, 6],
      );
      const scale = 1 / Math.sqrt(5);
      const fused = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        attention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, bias, scale);
      const plain = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.matMul(tf.softmax(tf.matMul(a, b, false, true).mul(scale).add(bias)), c);
      expect(
        worst(valueAndGrads(fused, [q, k, v], 16), valueAndGrads(plain, [q, k, v], 16)),
      ).toBeLessThan(1e-5);
      // in slices of rows (one row per chunk here) it is the same op, values and gradients
      const chunked = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        attention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, bias, scale, 10);
      expect(
        worst(valueAndGrads(chunked, [q, k, v], 16), valueAndGrads(fused, [q, k, v], 16)),
      ).toBe(0);
      // a rank-2 causal bias broadcasts like the rank-4 one
      const causal = tf.tensor2d(
        Array.from({ length: 24 }, (_, i) => (i % 6 > Math.floor(i / 6) + 2 ? -1e9 : 0)),
        [4, 6],
      );
      const with2d = attention(
        q as tf.Tensor4D,
        k as tf.Tensor4D,
        v as tf.Tensor4D,
        causal,
        scale,
        10,
      );
      const with4d = attention(
        q as tf.Tensor4D,
        k as tf.Tensor4D,
        v as tf.Tensor4D,
        causal.reshape([1, 1, 4, 6]),
        scale,
      );
      expect(worst([with2d], [with4d])).toBeLessThan(1e-6);
      // hand-computed: one query, keys [1, 0] and [0, 1], q = [ln 3, 0] / scale -> p = [3/4, 1/4]
      const o = attention(
        tf.tensor4d([Math.log(3) / scale, 0], [1, 1, 1, 2]),
        tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2]),
        tf.tensor4d([4, 0, 0, 8], [1, 1, 2, 2]),
        tf.zeros([1, 1, 1, 2]),
        scale,
      );
      expect(Array.from(o.dataSync())).toEqual([expect.closeTo(3, 5), expect.closeTo(2, 5)]);
    });
  });

  it('leaves no tensors behind through a gradient step', () => {
    const x = rand([6, 6], 12);
    const g = tf.ones([6]);
    const b = tf.zeros([6]);
    const targets = tf.tensor1d([1, 2, 3, 4], 'int32');
    const step = () =>
      tf
        .tidy(() =>
          tf.grads((a: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => {
            const e = layerNormOp(1e-5)(embedRows(a as tf.Tensor2D, targets), gs, bs);
            const h4 = e.reshape([1, 1, 4, 6]) as tf.Tensor4D;
            const h = geluOp(attention(h4, h4, h4, tf.zeros([1, 1, 4, 4]), 0.5).reshape([4, 6]));
            const r = logProbsAndEntropy(h as tf.Tensor2D, targets);
            return r.logp.sum().add(r.entropy.sum());
          })([x, g, b]),
        )
        .forEach((t) => t.dispose());
    step();
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, g, b, targets]);
  });
});
