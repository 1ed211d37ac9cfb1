import { describe, expect, it } from 'vitest';
import { meanCi95, seedsMarkdown, summariseSeeds, tQuantile975 } from './seeds';
import type { Method, ResultsRow } from '../../contract/resultsTable';

const row = (method: Method, overall: number): ResultsRow => ({
  method,
  label: method,
  accuracy: { 'generated L1': overall },
  overall,
  questions: 100,
  meanTokens: 40,
  formatRate: 1,
  catchphraseRate: null,
  reflectionRate: 0,
  trainSeconds: 1,
});

describe('mean and 95% CI over seeds', () => {
  it('uses Student t with n - 1 degrees of freedom', () => {
    expect(tQuantile975(2)).toBe(4.303);
    expect(tQuantile975(100)).toBe(1.96);
    expect(() => tQuantile975(0)).toThrow(/degrees of freedom/);
    // values 0.5, 0.6, 0.7: mean 0.6, sd 0.1, half-width 4.303 * 0.1 / sqrt(3) = 0.248434
    const c = meanCi95([0.5, 0.6, 0.7]);
    expect(c.mean).toBeCloseTo(0.6, 12);
    expect(c.sd).toBeCloseTo(0.1, 12);
    expect(c.halfWidth).toBeCloseTo(0.248434, 5);
    expect(c.low).toBeCloseTo(0.6 - 0.248434, 5);
    expect(meanCi95([0.4]).halfWidth).toBeNull();
  });

  it('summarises per method with the gain over each seed’s warm-up', () => {
    const s = summariseSeeds(
      [1, 2],
      [
        [row('zero-shot', 0.5), row('grpo', 0.54), row('thinktuning', 0.58)],
        [row('zero-shot', 0.5), row('grpo', 0.52), row('thinktuning', 0.56)],
      ],
    );
    expect(s.map((x) => x.method)).toEqual(['zero-shot', 'grpo', 'thinktuning']);
    const tt = s.find((x) => x.method === 'thinktuning')!;
    expect(tt.accuracies).toEqual([0.58, 0.56]);
    expect(tt.accuracy.mean).toBeCloseTo(0.57, 12);
    // gains 0.08, 0.06: mean 0.07, sd 0.0141421, half-width 12.706 * 0.0141421 / sqrt(2) = 0.12706
    expect(tt.gainOverWarmup!.mean).toBeCloseTo(0.07, 12);
    expect(tt.gainOverWarmup!.halfWidth).toBeCloseTo(0.12706, 5);
    const md = seedsMarkdown(s, 100);
    expect(md).toContain('| ThinkTuning | 58.0 | 56.0 | 57.0 ± 12.7 | +7.0 ± 12.7 |');
    expect(md).toContain('| Zero-shot (warm-up) | 50.0 | 50.0 | 50.0 ± 0.0 | — |');
  });
});
