import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALARM_SETTINGS as D,
  detectAlarms,
  entropyCollapse,
  parseAlarmSettings,
  rewardHacking,
  stepRuns,
  type MetricsRow,
} from './alarms';

/** Rows 1..n with `key` set from `values` (other metrics absent). */
const series = (key: string, values: number[]): MetricsRow[] =>
  values.map((v, i) => ({ step: i + 1, [key]: v }));

const kinds = (rows: MetricsRow[], s = D) =>
  detectAlarms(rows, s).map((a) => [a.kind, a.from, a.to]);

describe('stepRuns', () => {
  it('finds maximal runs of at least minLen rows', () => {
    const rows = series('x', [1, 1, 0, 1, 1, 1, 0, 1]);
    expect(stepRuns(rows, (r) => r.x === 1, 2).map((r) => [r.from, r.to])).toEqual([
      [1, 2],
      [4, 6],
    ]);
  });
});

describe('entropy collapse', () => {
  // Baseline = mean(2, 2, 2) = 2; limit = 0.2 · 2 = 0.4.
  it('fires when entropy stays at the limit for minSteps steps', () => {
    const rows = series('entropy', [2, 2, 2, 1, 0.4, 0.4, 0.4, 1]);
    const a = entropyCollapse(rows, D);
    expect(a.map((x) => [x.from, x.to])).toEqual([[5, 7]]);
    expect(a[0].detail).toContain('0.40');
  });
  it('does not fire just above the limit or for fewer steps', () => {
    expect(entropyCollapse(series('entropy', [2, 2, 2, 0.41, 0.41, 0.41]), D)).toEqual([]);
    expect(entropyCollapse(series('entropy', [2, 2, 2, 0.1, 0.1, 1]), D)).toEqual([]);
  });
});

describe('threshold detectors', () => {
  it('length limit: truncated share ≥ 0.5 for 3 steps', () => {
    const k = 'completions/clipped_ratio';
    expect(kinds(series(k, [0, 0.5, 0.5, 0.5, 0.2]))).toEqual([['length-limit', 2, 4]]);
    expect(kinds(series(k, [0, 0.49, 0.5, 0.5, 0.2]))).toEqual([]);
  });
  it('zero spread: share ≥ 0.75 for 3 steps', () => {
    const k = 'frac_reward_zero_std';
    expect(kinds(series(k, [0.75, 1, 0.75]))).toEqual([['zero-spread', 1, 3]]);
    expect(kinds(series(k, [0.75, 0.74, 0.75]))).toEqual([]);
  });
  it('clip ratio and KL spikes fire on one step', () => {
    expect(kinds(series('clip_ratio/region_mean', [0, 0.2, 0.1]))).toEqual([['clip-spike', 2, 2]]);
    expect(kinds(series('clip_ratio/region_mean', [0, 0.19, 0.1]))).toEqual([]);
    expect(kinds(series('kl', [0.1, 0.5, 0.6, 0]))).toEqual([['kl-spike', 2, 3]]);
    expect(kinds(series('kl', [0.1, 0.49]))).toEqual([]);
  });
  it('teacher failing: one failed call or more', () => {
    const k = 'thinktuning/teacher_failures';
    expect(kinds(series(k, [0, 1, 2, 0, 1]))).toEqual([
      ['teacher-failing', 2, 3],
      ['teacher-failing', 5, 5],
    ]);
    expect(kinds(series(k, [0, 0]))).toEqual([]);
  });
  it('ignores missing or non-finite values', () => {
    expect(kinds(series('kl', [NaN, Infinity]))).toEqual([]);
  });
});

describe('reward hacking', () => {
  // Evals at steps 2 and 4. Rewards (a, b] = steps 3,4: mean 0.6; the 2 steps up to 2: mean 0.5.
  const rows = (acc2: number, acc4: number, r3: number): MetricsRow[] => [
    { step: 1, reward: 0.5 },
    { step: 2, reward: 0.5, 'eval/accuracy': acc2 },
    { step: 3, reward: r3 },
    { step: 4, reward: 0.6, 'eval/accuracy': acc4 },
  ];
  it('fires at rise 0.1 and drop 0.05 exactly', () => {
    const a = rewardHacking(rows(0.55, 0.5, 0.6), { ...D, rewardRise: 0.1 - 1e-9 });
    expect(a.map((x) => [x.from, x.to])).toEqual([[2, 4]]);
  });
  it('does not fire when accuracy holds or reward does not rise enough', () => {
    expect(rewardHacking(rows(0.5, 0.5, 0.6), D)).toEqual([]);
    expect(rewardHacking(rows(0.6, 0.5, 0.5), D)).toEqual([]); // rise 0.05 < 0.1
  });
});

describe('settings', () => {
  it('keeps valid numbers and defaults the rest', () => {
    const s = parseAlarmSettings({ kl: 0.3, minSteps: -1, clipRatio: 'x', other: 1 });
    expect(s).toEqual({ ...D, kl: 0.3 });
    expect(parseAlarmSettings(null)).toEqual(D);
  });
});
