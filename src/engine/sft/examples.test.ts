import { describe, expect, it } from 'vitest';
import { DEFAULT_CATCHPHRASE } from '../teacher/catchphrase';
import { extractAnswer } from '../tasks/answer';
import { generateProblems } from '../tasks/generated';
import type { TaskItem } from '../tasks/types';
import { tokenizerCorpus } from '../eval/sources';
import { presetConfig } from '../../contract/presets';
import { selfCheckText, solutionText } from './examples';

const item: TaskItem = {
  id: 'gen-train-L1-000007',
  prompt: 'Priya has $19. Priya works 8 hours at $6 an hour. How much money does Priya have now?',
  answer: '67',
  steps: ['Working 8 hours at $6 an hour gives 19 + 8 * 6 = 19 + 48 = 59 + 8 = 50 + 17 = $67.'],
  source: 'generated',
  level: 1,
};

describe('warm-up solution text', () => {
  it('is the worked steps and one boxed answer when no self-check is asked', () => {
    expect(solutionText(item)).toBe(
      'Working 8 hours at $6 an hour gives 19 + 8 * 6 = 19 + 48 = 59 + 8 = 50 + 17 = $67. The answer is \\boxed{67}.',
    );
    expect(selfCheckText(item, { selfCheckRate: 0 })).toBe('');
  });

  it('at rate 1 adds a first-person reflection and the worked answer again, boxed last', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const text = solutionText(item, { selfCheckRate: 1, seed });
      const [answer, reason, phrase, ...rest] = text.split('\n\n');
      expect(rest).toEqual([]);
      expect(answer.endsWith('The answer is \\boxed{67}.')).toBe(true);
      expect(reason.length).toBeGreaterThan(3);
      expect(reason).not.toContain('boxed');
      expect(phrase).toContain('19 + 8 * 6');
      expect(phrase).toMatch(/\\boxed\{67\}$/);
      expect(extractAnswer(text).value).toBe('67');
      expect(text).not.toContain(DEFAULT_CATCHPHRASE);
    }
  });

  it('checks about the asked share of items, the same ones for the same seed', () => {
    const items = generateProblems({ count: 400, seed: 5, levels: [1, 2], split: 'train' });
    const chosen = (seed: number): string[] =>
      items
        .filter((it) => selfCheckText(it, { selfCheckRate: 0.25, seed }) !== '')
        .map((it) => it.id);
    const a = chosen(1);
    expect(a.length / items.length).toBeGreaterThan(0.19);
    expect(a.length / items.length).toBeLessThan(0.31);
    expect(chosen(1)).toEqual(a);
    expect(chosen(2)).not.toEqual(a);
  });

  it("never writes the unknown-behavior preset's catchphrase: only the teacher says it", () => {
    const c = presetConfig('unknown-behavior');
    expect(c.reward.catchphrase).toBe(DEFAULT_CATCHPHRASE);
    const items = generateProblems({
      count: 2000,
      seed: c.seed,
      levels: c.data.levels,
      domains: c.data.domains,
      split: 'train',
      workedDetail: c.data.workedDetail,
    });
    const solution = { selfCheckRate: c.sft.selfCheckRate, seed: c.seed };
    const corpus = tokenizerCorpus(items, c.data.promptSuffix, solution);
    expect(corpus).toContain('\n\n'); // the checks are there
    expect(corpus.toLowerCase()).not.toContain('thalapathy');
    expect(corpus.toLowerCase()).not.toContain('vijay');
  });
});
