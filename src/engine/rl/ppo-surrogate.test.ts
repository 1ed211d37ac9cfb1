import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ppoClippedSurrogate, validatePpoClipConfig } from './ppo-surrogate';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CFG = { clipEpsLow: 0.2, clipEpsHigh: 0.2, dualClipC: 3 };

// One token per case; oldLogp = 0, logp = ln r, so the ratio is r.
//   case            A    r     L = -min(rA, clip(r,0.8,1.2)A), dual: min(L, -3A) for A<0   dL/dlogp
//   unclipped A>0   1   1.1    -min(1.1, 1.1)  = -1.1                                     -A r = -1.1
//   clip high       2   1.5    -min(3.0, 2.4)  = -2.4                                      0
//   clip low       -1   0.5    -min(-0.5,-0.8) =  0.8 (< 3, no dual)                       0
//   dual clip      -1   4.0    -min(-4, -1.2)  =  4 → min(4, 3) = 3                        0
//   unclipped A<0  -1   1.1    -min(-1.1,-1.1) =  1.1                                     -A r = 1.1
//   A>0, r low      1   0.5    -min(0.5, 0.8)  = -0.5 (not clipped: r<0.8 binds for A<0)  -0.5
//   A<0, r high    -1   2.0    -min(-2, -1.2)  =  2 (not clipped: r>1.2 binds for A>0)     2
const A = [1, 2, -1, -1, -1, 1, -1];
const R = [1.1, 1.5, 0.5, 4.0, 1.1, 0.5, 2.0];
const LOSS = [-1.1, -2.4, 0.8, 3, 1.1, -0.5, 2];
const GRAD = [-1.1, 0, 0, 0, 1.1, -0.5, 2];

function run(cfg: typeof CFG | { clipEpsLow: number; clipEpsHigh: number; dualClipC: null }) {
  const logp = tf.tensor2d([R.map(Math.log)]);
  const old = tf.zeros([1, R.length]);
  const adv = tf.tensor2d([A]);
  const terms = ppoClippedSurrogate(logp, old, adv, cfg);
  const grad = tf.grad((x: tf.Tensor) => tf.sum(ppoClippedSurrogate(x, old, adv, cfg).loss))(logp);
  return {
    loss: (terms.loss.arraySync() as number[][])[0],
    grad: (grad.arraySync() as number[][])[0],
    low: (terms.clippedLow.arraySync() as number[][])[0],
    high: (terms.clippedHigh.arraySync() as number[][])[0],
    dual: (terms.dualClipped.arraySync() as number[][])[0],
    weight: (terms.weight.arraySync() as number[][])[0],
  };
}

describe('ppoClippedSurrogate', () => {
  it('matches hand-computed values and gradients for every clip case', () => {
    const out = run(CFG);
    out.loss.forEach((v, i) => expect(v).toBeCloseTo(LOSS[i], 5));
    out.grad.forEach((v, i) => expect(v).toBeCloseTo(GRAD[i], 5));
  });

  it('flags clips with TRL definitions and reports the gradient weight', () => {
    const out = run(CFG);
    expect(out.low).toEqual([0, 0, 1, 0, 0, 0, 0]); // A<0 and r<0.8
    expect(out.high).toEqual([0, 1, 0, 0, 0, 0, 0]); // A>0 and r>1.2
    expect(out.dual).toEqual([0, 0, 0, 1, 0, 0, 0]); // A<0 and L > 3|A|
    // weight w with dL/dlogp = -A w: r where the gradient flows, 0 when clipped
    [1.1, 0, 0, 0, 1.1, 0.5, 2].forEach((w, i) => expect(out.weight[i]).toBeCloseTo(w, 5));
  });

  it('without dual clip the A<0, r=4 token keeps L = 4 and gradient -A r = 4', () => {
    const out = run({ ...CFG, dualClipC: null });
    expect(out.loss[3]).toBeCloseTo(4, 5);
    expect(out.grad[3]).toBeCloseTo(4, 5);
    expect(out.dual[3]).toBe(0);
  });

  it('rejects a dual-clip constant <= 1', () => {
    expect(() => validatePpoClipConfig({ ...CFG, dualClipC: 1 })).toThrow(/dualClipC/);
  });
});
