import { describe, expect, it } from 'vitest';
import type { Trajectory } from '../contract/loopRecords';
import { TrajectoryStore } from './trajectoryStore';

const traj = (step: number, tokens: number): Trajectory => ({
  step,
  group: 0,
  index: 0,
  itemId: 'x',
  question: 'q',
  answer: '1',
  response: 'r',
  reward: 0,
  rewardComponents: {},
  advantage: 0.5,
  correct: false,
  finished: true,
  truncated: false,
  guided: false,
  zeroSpread: false,
  tokens: Array.from({ length: tokens }, (_, i) => ({
    id: i,
    text: 'a',
    part: 'student' as const,
    logprob: NaN,
    oldLogprob: -1,
    ratio: 1,
    advantage: 0.5,
    entropy: 1,
    clippedLow: false,
    clippedHigh: false,
    offPolicy: false,
    masked: false,
    weight: 1,
  })),
});

describe('TrajectoryStore', () => {
  it('drops the oldest steps beyond the byte budget or the step cap, keeping the newest', () => {
    const one = TrajectoryStore.estimateBytes([traj(0, 100)]);
    const store = new TrajectoryStore(one * 3, 10);
    for (let s = 1; s <= 5; s++) store.add(s, [traj(s - 1, 100)]);
    expect(store.steps()).toEqual([3, 4, 5]);
    expect(store.summary().bytes).toBe(one * 3);
    const capped = new TrajectoryStore(1e9, 2);
    for (let s = 1; s <= 4; s++) capped.add(s, [traj(s - 1, 1)]);
    expect(capped.steps()).toEqual([3, 4]);
    const tiny = new TrajectoryStore(1, 10);
    tiny.add(1, [traj(0, 100)]);
    tiny.add(2, [traj(1, 100)]);
    expect(tiny.steps()).toEqual([2]);
  });

  it('exports JSONL like trajectories.jsonl (NaN as null)', () => {
    const store = new TrajectoryStore();
    store.add(1, [traj(0, 2)]);
    store.add(2, [traj(1, 2), traj(1, 1)]);
    const lines = store.toJsonl([1, 2]).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]).tokens[0].logprob).toBeNull();
    expect(store.toJsonl([])).toBe('');
  });
});
