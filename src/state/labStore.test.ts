import { beforeEach, describe, expect, it } from 'vitest';
import type { Trajectory } from '../contract/loopRecords';
import { presetConfig } from '../contract/presets';
import { applyWorkerEvent, resetLab, useLab } from './labStore';

const traj = (group: number): Trajectory =>
  ({ step: 0, group, index: 0, tokens: [] }) as unknown as Trajectory;

beforeEach(() => resetLab());

describe('worker events into the store', () => {
  it('a run starts fresh, collects metrics, notes and failure totals, and ignores stale runs', () => {
    applyWorkerEvent({
      type: 'run-started',
      id: 1,
      run: 2,
      config: presetConfig('tiny'),
      name: 'r',
    });
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

  it('a resumed run starts with its saved history; the run list and current run id follow events', () => {
    const config = presetConfig('tiny');
    applyWorkerEvent({ type: 'run-started', id: 1, run: 3, config, runId: 'abc', name: 'r' });
    expect(useLab.getState().currentRunId).toBe('abc');
    const history = [
      { step: 1, reward: 0.25 },
      { step: 2, reward: 0.5 },
    ];
    const sft = [
      { step: 1, loss: 2, lr: 0.1, grad_norm: 1, tokens: 5, step_time: 0.1, skipped: false },
    ];
    applyWorkerEvent({ type: 'run-restored', run: 2, runId: 'abc', history: [], sftHistory: [] });
    expect(useLab.getState().history).toEqual([]); // another run's: ignored
    applyWorkerEvent({ type: 'run-restored', run: 3, runId: 'abc', history, sftHistory: sft });
    applyWorkerEvent({
      type: 'metrics',
      run: 3,
      step: 3,
      metrics: { step: 3, reward: 1 },
      teacherFailures: {},
      notes: [],
      stored: { steps: [3], bytes: 1, budgetBytes: 2 },
    });
    expect(useLab.getState().history.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(useLab.getState().sftHistory).toEqual(sft);
    const storage = { usage: 90, quota: 100, warn: true };
    applyWorkerEvent({ type: 'runs', id: null, runs: [], storage, blobs: 'OPFS' });
    expect(useLab.getState().storage).toEqual(storage);
    expect(useLab.getState().blobStore).toBe('OPFS');
    applyWorkerEvent({ type: 'run-started', id: 2, run: 4, config, name: 'r' });
    expect(useLab.getState().currentRunId).toBeNull();
  });

  it('errors end a pending connection test', () => {
    useLab.setState({ connection: { pending: true, report: null } });
    applyWorkerEvent({ type: 'error', id: 3, message: 'boom' });
    expect(useLab.getState().connection.pending).toBe(false);
    expect(useLab.getState().errors).toEqual(['boom']);
  });
});
