import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { getAggregation } from './aggregation';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Row 0: 3 valid tokens (1, 2, 3); row 1: 2 valid (4, 6); row 2: none. NaN in padding must not leak.
const LOSS = [
  [1, 2, 3, NaN],
  [4, 6, NaN, NaN],
  [NaN, NaN, NaN, NaN],
];
const MASK = [
  [1, 1, 1, 0],
  [1, 1, 0, 0],
  [0, 0, 0, 0],
];

function aggregate(name: string, maxResponseLength = 8): number {
  return getAggregation(name)(tf.tensor2d(LOSS), tf.tensor2d(MASK), {
    maxResponseLength,
  }).dataSync()[0];
}

describe('loss aggregation', () => {
  it("'token-mean' = sum(L*m)/sum(m)", () => {
    expect(aggregate('token-mean')).toBeCloseTo(16 / 5, 6); // (1+2+3+4+6)/5 = 3.2
  });

  it("'seq-mean-token-mean' averages per-sequence means over sequences with tokens", () => {
    expect(aggregate('seq-mean-token-mean')).toBeCloseTo(3.5, 6); // (6/3 + 10/2) / 2
  });

  it("'seq-mean-token-sum-norm' = sum(L*m) / (N * maxResponseLength)", () => {
    expect(aggregate('seq-mean-token-sum-norm', 8)).toBeCloseTo(16 / 24, 6); // 16 / (3 * 8)
  });

  it('divides by the fixed maxResponseLength, whatever T is', () => {
    // T = 4 here; a divisor below T is legal (T may count prompt positions): 16 / (3 * 3)
    expect(aggregate('seq-mean-token-sum-norm', 3)).toBeCloseTo(16 / 9, 6);
  });

  it('rejects a non-positive maxResponseLength and unknown names', () => {
    expect(() => aggregate('seq-mean-token-sum-norm', 0)).toThrow(/maxResponseLength/);
    expect(() => getAggregation('mean')).toThrow(
      'Unknown loss aggregation "mean"; valid: token-mean, seq-mean-token-mean, seq-mean-token-sum-norm',
    );
  });

  it('an empty mask aggregates to 0, not NaN', () => {
    const zero = getAggregation('token-mean')(tf.ones([2, 2]), tf.zeros([2, 2]), {
      maxResponseLength: 2,
    });
    expect(zero.dataSync()[0]).toBe(0);
  });
});
