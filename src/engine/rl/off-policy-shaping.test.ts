import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ShapingParams, getOffPolicyShaping } from './off-policy-shaping';
import { stopGradient } from './stop-gradient';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const PARAMS: ShapingParams = {
  gammaScale: 0.00025,
  gammaLimit: null,
  referenceGamma: -0.001,
  luffyGamma: 0.1,
};

/** Loss L = -A * s(p), its gradient wrt logp, and the flags, for tokens given as (A, p). */
function shapedLoss(name: string, a: number[], p: number[], params = PARAMS) {
  const shaping = getOffPolicyShaping(name);
  const logp = tf.tensor2d([p.map(Math.log)]);
  const adv = tf.tensor2d([a]);
  const lossOf = (x: tf.Tensor) => tf.mul(tf.neg(adv), shaping(x, adv, params).shaped);
  const terms = shaping(logp, adv, params);
  const grad = tf.grad((x: tf.Tensor) => tf.sum(lossOf(x)))(logp);
  return {
    loss: (lossOf(logp).arraySync() as number[][])[0],
    grad: (grad.arraySync() as number[][])[0],
    weight: (terms.weight.arraySync() as number[][])[0],
    fallback: (terms.fallback.arraySync() as number[][])[0],
  };
}

describe('stopGradient', () => {
  it('is the identity forward and has zero gradient', () => {
    const x = tf.tensor1d([0.5, 2]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([0.5, 2]);
    // d/dx sum(x * sg(x)) = sg(x) = x (not 2x)
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, stopGradient(v))))(x);
    expect(Array.from(g.dataSync())).toEqual([0.5, 2]);
  });
});

describe("'thinktuning' shaping: L = -A p / (sg(p) + 0.00025 A)", () => {
  it('A > 0: smaller step than plain policy gradient', () => {
    // A = 2, p = 0.5: gamma = 0.0005, D = 0.5005, p/D = 0.5/0.5005 = 0.999000999
    // L = -2 * 0.999000999 = -1.998002;  dL/dlogp = -A p/(p+gamma) = -1.998002
    const out = shapedLoss('thinktuning', [2], [0.5]);
    expect(out.loss[0]).toBeCloseTo(-1.998002, 5);
    expect(out.grad[0]).toBeCloseTo(-1.998002, 5);
    expect(out.weight[0]).toBeCloseTo(0.999001, 5);
    expect(out.fallback[0]).toBe(0);
  });

  it('A < 0: larger step than plain policy gradient', () => {
    // A = -2, p = 0.5: gamma = -0.0005, D = 0.4995, p/D = 1.001001001
    // L = 2 * 1.001001 = 2.002002;  dL/dlogp = 2.002002
    const out = shapedLoss('thinktuning', [-2], [0.5]);
    expect(out.loss[0]).toBeCloseTo(2.002002, 5);
    expect(out.grad[0]).toBeCloseTo(2.002002, 5);
    expect(out.weight[0]).toBeCloseTo(1.001001, 5);
  });

  it('fallback: D > 1 uses D = sg(p)/0.9999, D <= 0 uses D = sg(p)/1.0001', () => {
    // A = 4, p = 0.9995: gamma = 0.001, D = 1.0005 > 1 → s = 0.9999 → L = -3.9996, grad -3.9996
    // A = -4, p = 0.0005: gamma = -0.001, D = -0.0005 <= 0 → s = 1.0001 → L = 4.0004, grad 4.0004
    const out = shapedLoss('thinktuning', [4, -4], [0.9995, 0.0005]);
    expect(out.loss[0]).toBeCloseTo(-3.9996, 5);
    expect(out.grad[0]).toBeCloseTo(-3.9996, 5);
    expect(out.loss[1]).toBeCloseTo(4.0004, 5);
    expect(out.grad[1]).toBeCloseTo(4.0004, 5);
    expect(out.weight[0]).toBeCloseTo(0.9999, 6);
    expect(out.weight[1]).toBeCloseTo(1.0001, 6);
    expect(out.fallback).toEqual([1, 1]);
  });

  it('fallback stays finite when p underflows to 0', () => {
    const out = shapedLoss('thinktuning', [-1], [Math.exp(-200)]);
    expect(out.loss[0]).toBeCloseTo(1.0001, 5); // -A * 1.0001
    expect(out.grad[0]).toBeCloseTo(1.0001, 5);
  });

  it('gammaLimit clamps gamma to [-limit, limit]', () => {
    // A = 8: gamma = 0.002 → clamped 0.001; p = 0.5: s = 0.5/0.501 = 0.998004, L = -7.984032
    const out = shapedLoss('thinktuning', [8], [0.5], { ...PARAMS, gammaLimit: 0.001 });
    expect(out.loss[0]).toBeCloseTo(-7.984032, 4);
    // unclamped: s = 0.5/0.502 = 0.996016, L = -7.968127
    expect(shapedLoss('thinktuning', [8], [0.5]).loss[0]).toBeCloseTo(-7.968127, 4);
  });
});

describe("'reference-as-coded' shaping: gamma = -0.001 for every token", () => {
  it('uses the constant gamma and the same fallback', () => {
    // A = 2, p = 0.5: D = 0.499, s = 1.002004008, L = -2.004008, grad -2.004008
    // A = 2, p = 0.0005: D = -0.0005 <= 0 → s = 1.0001, L = -2.0002, grad -2.0002
    const out = shapedLoss('reference-as-coded', [2, 2], [0.5, 0.0005]);
    expect(out.loss[0]).toBeCloseTo(-2.004008, 5);
    expect(out.grad[0]).toBeCloseTo(-2.004008, 5);
    expect(out.loss[1]).toBeCloseTo(-2.0002, 5);
    expect(out.grad[1]).toBeCloseTo(-2.0002, 5);
    expect(out.fallback).toEqual([0, 1]);
  });
});

describe("'luffy' shaping: L = -A p / (p + 0.1), no stop-gradient", () => {
  it('value and gradient -A * 0.1 p / (p + 0.1)^2', () => {
    // A = 2, p = 0.5: L = -2 * 0.5/0.6 = -1.6666667; grad = -2 * 0.05/0.36 = -0.2777778
    // A = -1, p = 0.2: L = 0.2/0.3 = 0.6666667;      grad = 0.02/0.09 = 0.2222222
    const out = shapedLoss('luffy', [2, -1], [0.5, 0.2]);
    expect(out.loss[0]).toBeCloseTo(-1.6666667, 5);
    expect(out.grad[0]).toBeCloseTo(-0.2777778, 5);
    expect(out.loss[1]).toBeCloseTo(0.6666667, 5);
    expect(out.grad[1]).toBeCloseTo(0.2222222, 5);
    expect(out.weight[0]).toBeCloseTo(0.1388889, 5); // 0.05/0.36
  });
});

describe('shaping registry', () => {
  it('rejects unknown names listing the valid ones', () => {
    expect(() => getOffPolicyShaping('nope')).toThrow(
      'Unknown off-policy shaping "nope"; valid: thinktuning, reference-as-coded, luffy',
    );
  });
});
