import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random';
import { type RateScheduleName, teacherScheduleAt } from './schedule';
import { type SelectionCandidate, selectForTeacher, teacherSelectionCount } from './selection';

const finished = (n: number, correct = false): SelectionCandidate[] =>
  Array.from({ length: n }, () => ({ finished: true, correct }));

describe('teacherSelectionCount: k = max(1, floor(eligible * rate))', () => {
  it('matches the worked examples', () => {
    expect(teacherSelectionCount(5, 0.1, true)).toBe(1); // floor(0.5) = 0 → at least 1
    expect(teacherSelectionCount(20, 0.25, true)).toBe(5);
    expect(teacherSelectionCount(100, 0.29, true)).toBe(29); // 28.999999999999996 → 29
    expect(teacherSelectionCount(5, 0.1, false)).toBe(0); // teacher off
    expect(teacherSelectionCount(0, 0.1, true)).toBe(0); // nothing eligible
    expect(teacherSelectionCount(5, 0, true)).toBe(0); // rate 0
  });
});

describe('selectForTeacher', () => {
  it('never selects unfinished rollouts and returns [] for groups without eligible ones', () => {
    const group: SelectionCandidate[] = [
      { finished: false, correct: false },
      { finished: true, correct: false },
      { finished: false, correct: true },
    ];
    const none = finished(0).concat([{ finished: false, correct: false }]);
    for (let seed = 0; seed < 20; seed++) {
      const out = selectForTeacher([group, none], {
        rate: 1,
        active: true,
        strategy: 'random',
        rng: mulberry32(seed),
      });
      expect(out).toEqual([[1], []]);
    }
  });

  it('random: seeded, reproducible, covers every eligible index', () => {
    const opts = (seed: number) => ({
      rate: 0.4,
      active: true,
      strategy: 'random' as const,
      rng: mulberry32(seed),
    });
    const groups = [finished(5), finished(5)];
    expect(selectForTeacher(groups, opts(7))).toEqual(selectForTeacher(groups, opts(7)));
    const seen = new Set<number>();
    for (let seed = 0; seed < 50; seed++) {
      const [a] = selectForTeacher(groups, opts(seed));
      expect(a).toHaveLength(2); // floor(5 * 0.4) = 2
      a.forEach((i) => seen.add(i));
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('incorrect-first takes incorrect rollouts before correct ones', () => {
    const group: SelectionCandidate[] = [
      { finished: true, correct: true },
      { finished: true, correct: false },
      { finished: true, correct: true },
      { finished: true, correct: false },
      { finished: true, correct: true },
    ];
    for (let seed = 0; seed < 10; seed++) {
      const sel = (rate: number) =>
        selectForTeacher([group], {
          rate,
          active: true,
          strategy: 'incorrect-first',
          rng: mulberry32(seed),
        })[0];
      expect(sel(0.4)).toEqual([1, 3]); // k = 2: both incorrect
      const three = sel(0.6); // k = 3: both incorrect + one correct
      expect(three).toHaveLength(3);
      expect(three).toEqual(expect.arrayContaining([1, 3]));
    }
  });

  it('correct-first takes correct rollouts before incorrect ones', () => {
    const group: SelectionCandidate[] = [
      { finished: true, correct: false },
      { finished: true, correct: true },
      { finished: false, correct: true }, // truncated: never eligible
      { finished: true, correct: false },
    ];
    for (let seed = 0; seed < 10; seed++) {
      const sel = (rate: number) =>
        selectForTeacher([group], {
          rate,
          active: true,
          strategy: 'correct-first',
          rng: mulberry32(seed),
        })[0];
      expect(sel(0.3)).toEqual([1]); // k = max(1, floor(3 x 0.3)) = 1: the correct one
      const two = sel(0.7); // k = 2: the correct one + one incorrect
      expect(two).toHaveLength(2);
      expect(two).toContain(1);
      expect(two).not.toContain(2);
    }
  });

  it('counts under each schedule: 20 eligible, 0.25 → 0.01 over 10 steps, off below 0.05', () => {
    const names: RateScheduleName[] = ['constant', 'linear', 'cosine', 'exponential'];
    const expected: Record<RateScheduleName, number[]> = {
      // steps:    0  5  10 20
      constant: [5, 5, 5, 5],
      linear: [5, 2, 0, 0], // rate 0.13 at step 5 → floor(2.6) = 2; 0.01 at T → off
      cosine: [5, 2, 0, 0], // same midpoint 0.13
      exponential: [5, 1, 0, 0], // 0.25 * 0.04^0.5 = 0.05 → on, floor(1.0) = 1
    };
    for (const name of names) {
      const counts = [0, 5, 10, 20].map((step) => {
        const s = teacherScheduleAt(step, {
          name,
          initialRate: 0.25,
          minRate: 0.01,
          decaySteps: 10,
          offBelow: 0.05,
        });
        return selectForTeacher([finished(20)], {
          ...s,
          strategy: 'random',
          rng: mulberry32(1),
        })[0].length;
      });
      expect(counts, name).toEqual(expected[name]);
    }
  });

  it('rejects unknown strategies', () => {
    expect(() =>
      selectForTeacher([finished(2)], {
        rate: 1,
        active: true,
        strategy: 'best' as 'random',
        rng: mulberry32(0),
      }),
    ).toThrow('Unknown selection strategy "best"; valid: random, incorrect-first, correct-first');
  });
});
