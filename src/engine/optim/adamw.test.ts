import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from './adamw';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('AdamW', () => {
  it('matches a hand-computed first step with clipping and decoupled decay', async () => {
    // p = [[1, 2]], g = [[3, 4]] (norm 5), clip 1 -> g' = [[0.6, 0.8]].
    // Step 1: m = 0.1 g', v = 0.001 g'^2; mhat = g', vhat = g'^2 -> mhat/sqrt(vhat) = 1 (eps ~ 0).
    // p <- p - lr * 1 - lr * wd * p = [1 - 0.1 - 0.01, 2 - 0.1 - 0.02] with lr 0.1, wd 0.1.
    const p = tf.variable(tf.tensor2d([[1, 2]]));
    const opt = new AdamW([p], {
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-12,
      weightDecay: 0.1,
      gradClip: 1,
    });
    const g = tf.tensor2d([[3, 4]]);
    const r = await opt.apply([g], 0.1);
    expect(r.gradNorm).toBeCloseTo(5, 5);
    const got = p.arraySync()[0];
    expect(got[0]).toBeCloseTo(0.89, 5);
    expect(got[1]).toBeCloseTo(1.88, 5);
    tf.dispose([p, g]);
    opt.dispose();
  });

  it('skips a non-finite gradient and leaves the weights unchanged', async () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const opt = new AdamW([p]);
    const g = tf.tensor1d([NaN, 1]);
    const r = await opt.apply([g], 0.1);
    expect(r.applied).toBe(false);
    expect(Array.from(p.dataSync())).toEqual([1, 2]);
    expect(opt.stepCount).toBe(0);
    tf.dispose([p, g]);
    opt.dispose();
  });
});
