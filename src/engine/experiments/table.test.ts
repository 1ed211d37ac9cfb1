import { describe, expect, it } from 'vitest';
import { applyOverride } from '../../contract/config';
import type { EvalRecord, EvalResult } from '../eval/evaluate';
import { stats } from '../eval/evaluate';
import { presetConfig } from '../../contract/presets';
import type { TaskItem } from '../tasks/types';
import { comparisonBudget, describeBudget } from '../../contract/budget';
import { comparisonMarkdown, resultsRow, sourceLabel, sourceLabels } from './table';

const item = (id: string, source: string, level?: number): TaskItem => ({
  id,
  prompt: 'q',
  answer: '1',
  source,
  ...(level !== undefined ? { level } : {}),
});

const rec = (id: string, correct: boolean, tokens: number, response = 'x'): EvalRecord => ({
  id,
  mode: 'greedy',
  sample: 0,
  answer: '1',
  response,
  tokens,
  ended: true,
  extracted: correct ? '1' : '2',
  correct,
  boxedCount: 1,
  reflection: response.includes('Wait'),
  catchphraseCount: 0,
});

function evalResult(records: EvalRecord[]): EvalResult {
  const g = stats(records, '');
  return {
    questions: records.length,
    greedyAccuracy: g.accuracy,
    passAt1: null,
    samples: 0,
    greedy: g,
    sampled: null,
    skippedTooLong: 0,
    records,
  };
}

describe('results table', () => {
  const items = [
    item('a', 'generated', 1),
    item('b', 'generated', 1),
    item('c', 'generated', 2),
    item('d', 'gsm8k'),
  ];

  it('labels sources by source and level, in first-seen order', () => {
    expect(sourceLabel(items[0])).toBe('generated L1');
    expect(sourceLabel(items[3])).toBe('gsm8k');
    expect(sourceLabels(items)).toEqual(['generated L1', 'generated L2', 'gsm8k']);
  });

  it('computes accuracy per source and the pass statistics', () => {
    const r = resultsRow(
      'grpo',
      items,
      evalResult([
        rec('a', true, 10),
        rec('b', false, 20, 'Wait'),
        rec('c', true, 30),
        rec('d', false, 40),
      ]),
      12.4,
    );
    expect(r).toEqual({
      method: 'grpo',
      label: 'GRPO',
      // generated L1: 1 of 2; generated L2: 1 of 1; gsm8k: 0 of 1
      accuracy: { 'generated L1': 0.5, 'generated L2': 1, gsm8k: 0 },
      overall: 0.5,
      questions: 4,
      meanTokens: 25, // (10 + 20 + 30 + 40) / 4
      formatRate: 1,
      catchphraseRate: null,
      reflectionRate: 0.25,
      trainSeconds: 12.4,
    });
  });

  it('writes Markdown with the best accuracy in bold and "all" only for several sources', () => {
    const one = [item('a', 'generated', 1), item('b', 'generated', 1)];
    const rows = [
      resultsRow('zero-shot', one, evalResult([rec('a', false, 8), rec('b', false, 8)]), 0),
      resultsRow('thinktuning', one, evalResult([rec('a', true, 9), rec('b', false, 12)]), 61.7),
    ];
    expect(comparisonMarkdown(rows, sourceLabels(one))).toBe(
      [
        '| Method | generated L1 acc % | mean length | format % | catchphrase % | reflection % | train s |',
        '|---|---:|---:|---:|---:|---:|---:|',
        '| Zero-shot (warm-up) | 0.0 | 8.0 | 100.0 | — | 0.0 | 0 |',
        '| ThinkTuning | **50.0** | 10.5 | 100.0 | — | 0.0 | 62 |',
      ].join('\n'),
    );
    const many = comparisonMarkdown(
      [resultsRow('sft', items, evalResult(items.map((i) => rec(i.id, true, 5))), 1)],
      sourceLabels(items),
    );
    expect(many.split('\n')[0]).toContain('| gsm8k acc % | all acc % | mean length |');
  });
});

describe('comparison budget', () => {
  it('gives every trained arm the same updates and rows, and every sampling arm the same rollouts', () => {
    const c = presetConfig('tiny'); // rl.steps 20, B 4, G 5, 1 mini-batch, 1 epoch
    expect(comparisonBudget(c)).toEqual({
      rlSteps: 20,
      updates: 20,
      rowsPerUpdate: 20, // 4 x 5
      rollouts: 400, // 20 x 4 x 5
      questionsPerUpdate: 4,
      starSteps: [5, 5, 5, 5],
      sftLr: 5e-4, // the warm-up's final rate
      warmupSteps: 1200, // the tiny preset's sft.steps
      evalQuestions: 64,
    });
    const mb = comparisonBudget(
      applyOverride(applyOverride(c, 'rl.miniBatches=2'), 'rl.steps=3'),
      2,
    );
    // 3 steps x 2 mini-batches = 6 updates of 10 rows; STaR samples 12 questions over 6 updates
    expect(mb).toMatchObject({
      updates: 6,
      rowsPerUpdate: 10,
      questionsPerUpdate: 2,
      starSteps: [3, 3],
    });
    const words = describeBudget(comparisonBudget(c), c).join('\n');
    expect(words).toContain('SFT: 20 more updates of 20 worked solutions each at lr 0.0005.');
    expect(words).toContain(
      'GRPO and ThinkTuning: 20 steps of 4 questions x 5 rollouts (400 rollouts)',
    );
  });
});
