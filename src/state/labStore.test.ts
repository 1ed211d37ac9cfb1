import { beforeEach, describe, expect, it } from 'vitest';
import type { Trajectory } from '../engine/loop/types';
import { presetConfig } from '../engine/presets';
import { applyWorkerEvent, resetLab, useLab } from './labStore';

const traj = (group: number): Trajectory =>
  ({ step: 0, group, index: 0, tokens: [] }) as unknown as Trajectory;

beforeEach(() => resetLab());

describe('worker events into the store', () => {
  it('a run starts fresh, collects metrics, notes and failure totals, and ignores stale runs', () => {
    applyWorkerEvent({ type: 'run-started', id: 1, run: 2, config: presetConfig('tiny') });
    const stored = { steps: [1], bytes: 10, budgetBytes: 100 };
    applyWorkerEvent({
      type: 'metrics',
      run: 2,
      step: 1,
      metrics: { step: 1, reward: 0.5 },
      teacherFailures: { server_error: 2 },
      notes: ['teacher server_error: HTTP 500'],
      stored,
    });
    applyWorkerEvent({
      type: 'metrics',
      run: 1,
      step: 9,
      metrics: { step: 9 },
      teacherFailures: {},
      notes: [],
      stored,
    });
    const s = useLab.getState();
    expect(s.history).toEqual([{ step: 1, reward: 0.5 }]);
    expect(s.failureTotals).toEqual({ server_error: 2 });
    expect(s.notes).toEqual([{ step: 1, text: 'teacher server_error: HTTP 500' }]);
    expect(s.progress.status).toBe('running');
    expect(s.progress.totalSteps).toBe(presetConfig('tiny').rl.steps);
  });

  it('pushed trajectories replace the view only while following the latest step', () => {
    applyWorkerEvent({
      type: 'trajectories',
      id: null,
      run: 1,
      step: 1,
      trajectories: [traj(0), traj(1)],
    });
    expect(useLab.getState().inspected?.step).toBe(1);
    useLab.setState({ inspectStep: 1, inspectGroup: 1 });
    applyWorkerEvent({ type: 'trajectories', id: null, run: 1, step: 2, trajectories: [traj(0)] });
    expect(useLab.getState().inspected?.step).toBe(1);
    applyWorkerEvent({ type: 'trajectories', id: 7, run: 1, step: 1, trajectories: [traj(0)] });
    expect(useLab.getState().inspectGroup).toBe(0); // group 1 no longer exists
  });

  it('errors end a pending connection test', () => {
    useLab.setState({ connection: { pending: true, report: null } });
    applyWorkerEvent({ type: 'error', id: 3, message: 'boom' });
    expect(useLab.getState().connection.pending).toBe(false);
    expect(useLab.getState().errors).toEqual(['boom']);
  });
});
