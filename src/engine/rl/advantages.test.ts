import { describe, expect, it } from 'vitest';
import { type AdvantageConfig, DEFAULT_ADVANTAGE_CONFIG, computeAdvantages } from './advantages';

const cfg = (over: Partial<AdvantageConfig> = {}): AdvantageConfig => ({
  ...DEFAULT_ADVANTAGE_CONFIG,
  ...over,
});

function expectClose(actual: number[], expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
}

describe("'group-std' advantages", () => {
  it('uses the unbiased std (n - 1), like torch.std in verl', () => {
    // [1,0,0,1,0]: mean 0.4, sum sq dev = 2*0.36 + 3*0.16 = 1.2, var = 1.2/4 = 0.3, std = 0.5477226
    // A = 0.6/0.5477236 = 1.0954431, -0.4/0.5477236 = -0.7302954
    // (population std sqrt(0.24) = 0.4899 would give 1.2247 and -0.8165)
    const out = computeAdvantages([1, 0, 0, 1, 0], 5, cfg());
    expectClose(out.advantages, [1.0954431, -0.7302954, -0.7302954, 1.0954431, -0.7302954]);
    expect(out.groups[0].std).toBeCloseTo(Math.sqrt(0.3), 12);
  });

  it('gives tied rewards equal advantages', () => {
    // [1,1,0,0]: mean 0.5, var = 1/3, std = 0.5773503; A = +-0.5/0.5773513 = +-0.8660239
    const out = computeAdvantages([1, 1, 0, 0], 4, cfg());
    expectClose(out.advantages, [0.8660239, 0.8660239, -0.8660239, -0.8660239]);
  });

  it('zero-spread groups get exact zeros, are counted, and can be marked for dropping', () => {
    // groups [1,1,1], [0,0,0] zero-spread; [1,0,1]: mean 2/3, var = (1/9+4/9+1/9)/2 = 1/3
    const out = computeAdvantages([1, 1, 1, 0, 0, 0, 1, 0, 1], 3, cfg({ skipZeroSpread: true }));
    expect(out.advantages.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expectClose(out.advantages.slice(6), [0.5773493, -1.1546987, 0.5773493]);
    expect(out.zeroSpreadCount).toBe(2);
    expect(out.zeroSpreadGroups).toEqual([0, 1]);
    expect(out.keep).toEqual([false, false, false, false, false, false, true, true, true]);
    // without skipZeroSpread everything is kept
    expect(computeAdvantages([1, 1, 1], 3, cfg()).keep).toEqual([true, true, true]);
  });

  it('exact zeros for equal non-integer rewards (no mean round-off)', () => {
    expect(computeAdvantages([0.1, 0.1, 0.1], 3, cfg()).advantages).toEqual([0, 0, 0]);
  });

  it('single-member groups are zero-spread with A = 0', () => {
    const out = computeAdvantages([1, 0, 0.5], 1, cfg());
    expect(out.advantages).toEqual([0, 0, 0]);
    expect(out.zeroSpreadCount).toBe(3);
  });
});

describe("'group-mean' advantages (Dr. GRPO)", () => {
  it('subtracts the group mean without std scaling', () => {
    const out = computeAdvantages([1, 0, 0, 1, 0, 2, 2], 7, cfg({ mode: 'group-mean' }));
    // mean = 6/7
    expectClose(
      out.advantages,
      [1, 0, 0, 1, 0, 2, 2].map((r) => r - 6 / 7),
    );
  });
});

describe("'batch-std' advantages", () => {
  it('divides group-centred rewards by the batch std', () => {
    // rewards [1,0 | 1,1], G=2: group means 0.5, 1; batch mean 0.75,
    // batch var = (3*0.0625 + 0.5625)/3 = 0.25, std 0.5: A = +-0.5/0.500001 = +-0.999998; group 2 zero
    const out = computeAdvantages([1, 0, 1, 1], 2, cfg({ mode: 'batch-std' }));
    expectClose(out.advantages, [0.999998, -0.999998, 0, 0]);
    expect(out.zeroSpreadGroups).toEqual([1]);
  });
});

describe('advantage input checks', () => {
  it('rejects bad layouts and unknown modes', () => {
    expect(() => computeAdvantages([1, 0, 1], 2, cfg())).toThrow(/multiple of groupSize/);
    expect(() => computeAdvantages([1, 0], 0, cfg())).toThrow(/groupSize/);
    expect(() => computeAdvantages([1, NaN], 2, cfg())).toThrow(/finite/);
    expect(() =>
      computeAdvantages([1, 0], 2, { ...cfg(), mode: 'rloo' as AdvantageConfig['mode'] }),
    ).toThrow('Unknown advantage mode "rloo"; valid: group-std, group-mean, batch-std');
  });
});
