import { describe, expect, it } from 'vitest';
import {
  compileRewardSpec,
  computeRewards,
  countOccurrences,
  DEFAULT_REWARD_SPEC,
  parseRewardSpec,
  rewardNames,
} from './rewards';
import type { TaskItem } from './types';

const item: TaskItem = { id: 'tank', prompt: 'tank', answer: '250', source: 'test' };
const good = 'Half of 300 is 150, plus 100 is 250. \\boxed{250}';

describe('computeRewards', () => {
  it('default spec: correctness 1 + format 0.1 for a correct, ended, single-boxed answer', () => {
    const r = computeRewards(item, good, { endedWithEos: true });
    expect(r.components).toEqual({ correctness: 1, format: 0.1 });
    expect(r.total).toBeCloseTo(1.1, 12);
    expect(r.grade.correct).toBe(true);
  });

  it('truncated responses get nothing by default; requireEnded=false keeps correctness', () => {
    expect(computeRewards(item, good, { endedWithEos: false }).total).toBe(0);
    const r = computeRewards(item, good, { endedWithEos: false }, [
      { name: 'correctness', params: { requireEnded: false } },
      { name: 'format' },
    ]);
    expect(r.components).toEqual({ correctness: 1, format: 0 });
  });

  it('wrong answer with good format gets only the format bonus; two boxes lose it', () => {
    expect(computeRewards(item, '\\boxed{200}', { endedWithEos: true }).total).toBeCloseTo(0.1);
    const two = computeRewards(item, '\\boxed{200} \\boxed{250}', { endedWithEos: true });
    expect(two.components).toEqual({ correctness: 1, format: 0 });
  });

  it('catchphrase bonus: +0.5 only when the phrase appears exactly once', () => {
    const spec = [{ name: 'correctness' }, { name: 'catchphraseBonus' }];
    const once = `As Thalapathy Vijay would say: check it. ${good}`;
    expect(computeRewards(item, once, { endedWithEos: true }, spec).total).toBeCloseTo(1.5);
    const twice = `thalapathy vijay! Thalapathy Vijay! ${good}`;
    expect(computeRewards(item, twice, { endedWithEos: true }, spec).total).toBeCloseTo(1);
    const custom = [
      { name: 'catchphraseBonus', weight: 2, params: { phrase: 'Wait', caseSensitive: true } },
    ];
    expect(computeRewards(item, 'Wait... wait', { endedWithEos: true }, custom).total).toBe(2);
  });

  it('length penalty is linear between startLength and maxLength, clipped', () => {
    const spec = [
      { name: 'lengthPenalty', weight: 1, params: { startLength: 100, maxLength: 300 } },
    ];
    const pen = (tokens: number): number =>
      computeRewards(item, good, { endedWithEos: true, responseTokens: tokens }, spec).total;
    expect(pen(50)).toBe(0);
    expect(pen(200)).toBeCloseTo(-0.5);
    expect(pen(1000)).toBe(-1);
    // Without a token count the character length is used: 10 chars of 20 -> -0.5 * 0.1.
    const chars = [{ name: 'lengthPenalty', params: { maxLength: 20 } }];
    expect(computeRewards(item, '0123456789', { endedWithEos: true }, chars).total).toBeCloseTo(
      -0.05,
    );
  });

  it('hand-computed total for a full spec', () => {
    const spec = [
      { name: 'correctness' },
      { name: 'format', weight: 0.2 },
      { name: 'lengthPenalty', weight: 0.5, params: { maxLength: 400 } },
      { name: 'catchphraseBonus' },
    ];
    const r = computeRewards(
      item,
      `Thalapathy Vijay. ${good}`,
      { endedWithEos: true, responseTokens: 100 },
      spec,
    );
    // 1 + 0.2 - 0.5 * 100/400 + 0.5 = 1.575
    expect(r.components).toEqual({
      correctness: 1,
      format: 0.2,
      lengthPenalty: -0.125,
      catchphraseBonus: 0.5,
    });
    expect(r.total).toBeCloseTo(1.575, 12);
  });
});

describe('reward registry', () => {
  it('unknown names fail listing the valid names', () => {
    expect(() => compileRewardSpec([{ name: 'bogus' }])).toThrow(
      'unknown reward "bogus"; valid names: correctness, format, lengthPenalty, catchphraseBonus',
    );
    expect(() => compileRewardSpec([{ name: 'toString' }])).toThrow(/unknown reward/);
    expect(rewardNames()).toEqual(['correctness', 'format', 'lengthPenalty', 'catchphraseBonus']);
  });

  it('checks params, weights and duplicate labels', () => {
    expect(() => compileRewardSpec([{ name: 'lengthPenalty' }])).toThrow(/maxLength/);
    expect(() =>
      compileRewardSpec([{ name: 'correctness', params: { requireEnded: 'yes' } }]),
    ).toThrow(/requireEnded/);
    expect(() => compileRewardSpec([{ name: 'format' }, { name: 'format' }])).toThrow(/duplicate/);
    expect(
      compileRewardSpec([{ name: 'format' }, { name: 'format', label: 'f2' }]).terms,
    ).toHaveLength(2);
    expect(compileRewardSpec(DEFAULT_REWARD_SPEC).terms.map((t) => t.weight)).toEqual([1, 0.1]);
  });

  it('parseRewardSpec validates untrusted JSON', () => {
    expect(parseRewardSpec([{ name: 'format', weight: 0.3 }])).toEqual([
      { name: 'format', weight: 0.3, label: undefined, params: undefined },
    ]);
    expect(() => parseRewardSpec({})).toThrow(/array/);
    expect(() => parseRewardSpec([{ weight: 1 }])).toThrow(/"name"/);
    expect(() => parseRewardSpec([{ name: 'x' }])).toThrow(/valid names/);
  });

  it('countOccurrences counts non-overlapping matches', () => {
    expect(countOccurrences('aaaa', 'aa')).toBe(2);
    expect(countOccurrences('abc', '')).toBe(0);
  });
});
