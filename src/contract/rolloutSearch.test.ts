import { describe, expect, it } from 'vitest';
import type { Trajectory } from './loopRecords';
import { EMPTY_QUERY, historyByStep, searchRollouts, snippetOf } from './rolloutSearch';

const t = (p: Partial<Trajectory>): Trajectory => ({
  step: 1,
  group: 0,
  index: 0,
  itemId: 'q1',
  question: 'What is 2 + 3?',
  answer: '5',
  response: 'It is 5.',
  reward: 1,
  rewardComponents: {},
  advantage: 0,
  correct: true,
  finished: true,
  truncated: false,
  guided: false,
  zeroSpread: false,
  tokens: [],
  ...p,
});

const steps = [
  {
    step: 2,
    trajectories: [
      t({
        step: 2,
        index: 1,
        reward: 0,
        correct: false,
        response: 'Maybe 6',
        itemId: 'q2',
        question: 'What is 1 + 1?',
      }),
      t({
        step: 2,
        index: 0,
        guided: true,
        guidance: { opinion: 'x', reason: 'Check the sum', phrase: 'Wait' },
      }),
    ],
  },
  { step: 1, trajectories: [t({ truncated: true, finished: false, reward: 0.5 })] },
];

const q = (p: Partial<typeof EMPTY_QUERY>) => ({ ...EMPTY_QUERY, ...p });

describe('searchRollouts', () => {
  it('an empty query matches all, ordered by step, group, index', () => {
    const r = searchRollouts(steps, EMPTY_QUERY);
    expect(r.total).toBe(3);
    expect(r.hits.map((h) => [h.step, h.index])).toEqual([
      [1, 0],
      [2, 0],
      [2, 1],
    ]);
    expect(r.steps).toEqual([1, 2]);
  });
  it('filters by each field', () => {
    const n = (p: Partial<typeof EMPTY_QUERY>) => searchRollouts(steps, q(p)).total;
    expect(n({ correct: 'no' })).toBe(1);
    expect(n({ guided: 'yes' })).toBe(1);
    expect(n({ guided: 'no', correct: 'yes' })).toBe(1);
    expect(n({ truncated: 'yes' })).toBe(1);
    expect(n({ minReward: 0.5 })).toBe(2); // 1 and 0.5
    expect(n({ maxReward: 0.5 })).toBe(2); // 0 and 0.5
    expect(n({ minReward: 0.6, maxReward: 0.9 })).toBe(0);
    expect(n({ text: 'maybe' })).toBe(1);
    expect(n({ text: 'check the' })).toBe(1); // the teacher's reason
    expect(n({ question: '1 + 1' })).toBe(1);
    expect(n({ question: 'q1' })).toBe(2); // exact item id
    expect(n({ itemId: 'q1' })).toBe(2);
  });
  it('counts all matches but returns at most limit hits', () => {
    const r = searchRollouts(steps, q({ limit: 1 }));
    expect(r.total).toBe(3);
    expect(r.hits).toHaveLength(1);
  });
  it('groups one question by step', () => {
    const r = searchRollouts(steps, q({ itemId: 'q1' }));
    expect(historyByStep(r.hits).map((c) => [c.step, c.hits.length])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });
});

describe('snippetOf', () => {
  it('cuts around the match', () => {
    const s = `${'a'.repeat(100)}needle${'b'.repeat(200)}`;
    const cut = snippetOf(s, 'needle');
    expect(cut.startsWith('…')).toBe(true);
    expect(cut).toContain('needle');
    expect(cut.length).toBe(160 + 2);
    expect(snippetOf('short', '')).toBe('short');
  });
});
