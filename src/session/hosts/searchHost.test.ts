import { describe, expect, it } from 'vitest';
import { EMPTY_QUERY } from '../../contract/rolloutSearch';
import type { Trajectory } from '../../contract/loopRecords';
import type { WorkerEvent } from '../protocol';
import { SearchHost } from './searchHost';
import { StageGate } from './stageGate';
import { TrajectoryStore } from '../trajectoryStore';

const t = (step: number, index: number, correct: boolean): Trajectory => ({
  step,
  group: 0,
  index,
  itemId: 'q',
  question: 'Q?',
  answer: '1',
  response: correct ? 'one' : 'two',
  reward: correct ? 1 : 0,
  rewardComponents: {},
  advantage: 0,
  correct,
  finished: true,
  truncated: false,
  guided: false,
  zeroSpread: false,
  tokens: [],
});

function host() {
  const events: WorkerEvent[] = [];
  const store = new TrajectoryStore();
  store.add(1, [t(1, 0, true), t(1, 1, false)]);
  store.add(2, [t(2, 0, false)]);
  const saved = [{ step: 5, trajectories: [t(5, 0, true)] }];
  let reads = 0;
  const h = new SearchHost({
    post: (e) => events.push(e),
    live: () => ({ run: 3, store }),
    saved: async (runId) => {
      reads++;
      if (runId !== 'r1') throw new Error('no such run');
      return saved;
    },
  });
  return { h, events, reads: () => reads };
}

describe('SearchHost', () => {
  it('searches the live kept steps and answers with the command id', async () => {
    const { h, events } = host();
    const query = { ...EMPTY_QUERY, correct: 'no' as const };
    await h.search({ type: 'search-rollouts', id: 7, source: { kind: 'live' }, query });
    const e = events[0] as Extract<WorkerEvent, { type: 'rollout-results' }>;
    expect(e.id).toBe(7);
    expect(e.result.total).toBe(2);
    expect(e.result.steps).toEqual([1, 2]);
  });
  it('searches a saved run (read once while fresh) and opens its step', async () => {
    const { h, events, reads } = host();
    const src = { kind: 'saved' as const, runId: 'r1' };
    await h.search({ type: 'search-rollouts', id: 1, source: src, query: EMPTY_QUERY });
    await h.search({ type: 'search-rollouts', id: 2, source: src, query: EMPTY_QUERY });
    expect(reads()).toBe(1);
    await h.inspectSaved({ type: 'inspect-saved', id: 3, runId: 'r1', step: 5 });
    const e = events[2] as Extract<WorkerEvent, { type: 'trajectories' }>;
    expect([e.type, e.id, e.step, e.trajectories.length]).toEqual(['trajectories', 3, 5, 1]);
    await expect(
      h.inspectSaved({ type: 'inspect-saved', id: 4, runId: 'r1', step: 9 }),
    ).rejects.toThrow(/Step 9 is not kept in this saved run \(it keeps steps 5–5\)/);
  });
});

describe('StageGate', () => {
  const stage = {
    step: 1,
    stage: 'sample' as const,
    index: 0,
    rollouts: [],
    numbers: {},
    notes: [],
  };
  it('posts the stage and waits for next; off or stopped passes at once', async () => {
    const events: WorkerEvent[] = [];
    const g = new StageGate((e) => events.push(e));
    await g.wait(1, stage, () => false); // mode off
    expect(events).toEqual([]);
    g.setMode(true);
    let done = false;
    const p = g.wait(1, stage, () => false).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    expect(events.map((e) => (e as { waiting: boolean }).waiting)).toEqual([true]);
    g.next();
    await p;
    expect(done).toBe(true);
    expect(events.map((e) => (e as { waiting: boolean }).waiting)).toEqual([true, false]);
    await g.wait(1, stage, () => true); // stopped: no wait
    const q = g.wait(1, stage, () => false);
    g.setMode(false); // turning the mode off lets the step go
    await q;
  });
});
