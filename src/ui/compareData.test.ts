import { describe, expect, it } from 'vitest';
import {
  COMPARE_CHARTS,
  defaultPairing,
  hasMetric,
  overlayRows,
  runColor,
  RUN_COLORS,
  summarizeRun,
  type RunForCompare,
} from './compareData';

const run = (
  id: string,
  algo: string,
  seed: number,
  createdAt: number,
  metrics: RunForCompare['metrics'] = [],
): RunForCompare => ({
  id,
  name: id,
  algo,
  seed,
  createdAt,
  config: null,
  metrics,
  steps: metrics.length,
  origin: 'lab',
});

describe('compare data', () => {
  it('pairs the newest ThinkTuning run with the newest GRPO run of the same seed', () => {
    const runs = [
      run('g1', 'grpo', 1, 10),
      run('t1', 'thinktuning', 1, 20),
      run('g2', 'grpo', 2, 30),
      run('t3', 'thinktuning', 3, 40), // newest ThinkTuning, but no GRPO with seed 3
      run('g1b', 'grpo', 1, 35), // newer GRPO with seed 1
      run('s', 'sft', 1, 50),
    ];
    expect(defaultPairing(runs)).toEqual(['g1b', 't1']);
  });

  it('falls back to the two newest runs, or all when fewer', () => {
    expect(
      defaultPairing([run('a', 'grpo', 1, 1), run('b', 'sft', 2, 3), run('c', 'star', 1, 2)]),
    ).toEqual(['b', 'c']);
    expect(defaultPairing([run('a', 'grpo', 1, 1)])).toEqual(['a']);
    expect(defaultPairing([])).toEqual([]);
  });

  it('overlays runs by step: a column per run, null where a run has no step or value', () => {
    const a = run('a', 'grpo', 1, 1, [
      { step: 1, reward: 0.5 },
      { step: 2, reward: 1 },
    ]);
    const b = run('b', 'thinktuning', 1, 2, [
      { step: 2, reward: 0.25 },
      { step: 3, reward: Number.NaN },
      { step: 4, reward: 0.75 },
    ]);
    expect(overlayRows('reward', [a, b])).toEqual([
      { step: 1, a: 0.5, b: null },
      { step: 2, a: 1, b: 0.25 },
      { step: 3, a: null, b: null },
      { step: 4, a: null, b: 0.75 },
    ]);
    // EMA per run, debiased: step 2 of a = (0.5*0.5*0.5 + 0.5*1) / (1 - 0.25) = 0.625 / 0.75
    const s = overlayRows('reward', [a], 0.5);
    expect(s[0].a).toBeCloseTo(0.5);
    expect(s[1].a).toBeCloseTo(0.625 / 0.75);
    expect(hasMetric(a, 'reward')).toBe(true);
    expect(hasMetric(a, 'accuracy')).toBe(false);
  });

  it('summarizes the last steps, skipping missing values', () => {
    const r = run(
      'a',
      'grpo',
      1,
      1,
      Array.from({ length: 12 }, (_, i) => ({
        step: i + 1,
        accuracy: i < 2 ? 1 : 0.5, // the first two fall outside the last 10
        'completions/mean_length': 10 + i,
        'behavior/reflection_rate_unguided': 0.1,
      })),
    );
    expect(summarizeRun(r)).toEqual({
      id: 'a',
      name: 'a',
      steps: 12,
      accuracy: 0.5,
      meanLength: 16.5, // mean of 12..21
      catchphraseRate: null,
      reflectionRate: expect.closeTo(0.1, 10),
    });
  });

  it('uses the main charts metric names and cycles colours', () => {
    expect(COMPARE_CHARTS.map((c) => c.metric)).toEqual([
      'reward',
      'accuracy',
      'clip_ratio/region_mean',
      'completions/mean_length',
      'behavior/catchphrase_rate_unguided',
      'behavior/reflection_rate_unguided',
    ]);
    expect(runColor(0)).toBe(RUN_COLORS[0]);
    expect(runColor(RUN_COLORS.length + 1)).toBe(RUN_COLORS[1]);
  });
});
