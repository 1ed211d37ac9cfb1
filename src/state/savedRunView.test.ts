import { describe, expect, it } from 'vitest';
import { presetConfig } from '../contract/presets';
import type { RunRecord } from '../contract/runRecord';
import { IDLE_PROGRESS } from './slices';
import { chartHistory, liveRunRecord, previewRun, resumableRun } from './savedRunView';

const record = (id: string, patch: Partial<RunRecord> = {}): RunRecord => ({
  id,
  name: id,
  createdAt: 1,
  updatedAt: 1,
  config: presetConfig('tiny'),
  status: 'running',
  step: 0,
  totalSteps: 12,
  sftStep: 0,
  checkpoint: { step: 0, createdAt: 1, files: {} },
  trajectories: { steps: 0, bytes: 0, budgetBytes: 0, dropped: 0 },
  backend: 'wasm',
  origin: 'lab',
  ...patch,
});

describe('saved runs as the page shows them', () => {
  it('the current run’s row follows the live step counter, not the last listing', () => {
    const listed = record('a', { step: 0 });
    const live = { ...IDLE_PROGRESS, status: 'running' as const, step: 4, totalSteps: 12 };
    expect(liveRunRecord(listed, live, true).step).toBe(4);
    expect(liveRunRecord(listed, live, false).step).toBe(0);
    expect(liveRunRecord(record('b', { step: 6 }), live, true).step).toBe(6);
  });

  it('after a reload: the charts show the newest run’s saved rows, the controls resume it', () => {
    const runs = [
      record('new', { status: 'interrupted', step: 5 }),
      record('old', { status: 'stopped', step: 2 }),
    ];
    const rows = [{ step: 1, reward: 0.5 }];
    const page = { run: null, history: [], libraryRuns: runs, storedMetrics: { new: rows } };
    expect(previewRun(page)?.id).toBe('new');
    expect(chartHistory(page)).toBe(rows);
    expect(resumableRun(runs, false)?.id).toBe('new');
    // Once this page trains, its own run is what the charts and controls act on.
    const live = [{ step: 1, reward: 0.1 }];
    expect(chartHistory({ ...page, run: 1, history: live })).toBe(live);
    expect(resumableRun(runs, true)).toBeNull();
    // A finished run is not resumed by the controls; the next one that can be is.
    const finished = [record('done', { status: 'finished', step: 12 }), ...runs];
    expect(resumableRun(finished, false)?.id).toBe('new');
  });
});
