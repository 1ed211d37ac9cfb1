/** The compare view's state: comparison events into the store, arms and lab runs as runs. */
import { beforeEach, describe, expect, it } from 'vitest';
import { comparisonBudget } from '../contract/budget';
import type { ResultsRow } from '../contract/resultsTable';
import { presetConfig } from '../contract/presets';
import type { RunRecord } from '../contract/runRecord';
import { compareCandidates } from './compareRuns';
import { applyWorkerEvent, resetLab, useLab } from './labStore';
import { describeRun } from './runNames';
import { COMPARISON_IDLE } from './slices';

beforeEach(() => resetLab());

const row = (method: ResultsRow['method'], overall: number): ResultsRow => ({
  method,
  label: method,
  accuracy: { 'generated L1': overall },
  overall,
  questions: 4,
  meanTokens: 10,
  formatRate: 1,
  catchphraseRate: null,
  reflectionRate: 0,
  trainSeconds: 1,
});

describe('comparison events', () => {
  it('collects progress, arm metrics and rows; each finished arm becomes a run; done pairs GRPO with ThinkTuning', () => {
    const config = presetConfig('tiny');
    useLab.setState({ comparison: { ...COMPARISON_IDLE, id: 7, status: 'running', config } });
    const progress = {
      method: 'grpo' as const,
      phase: 'train' as const,
      step: 1,
      total: 2,
      methodsDone: 3,
      methodsTotal: 5,
    };
    applyWorkerEvent({ type: 'compare-progress', id: 7, progress });
    applyWorkerEvent({ type: 'compare-progress', id: 6, progress: { ...progress, step: 9 } }); // stale
    expect(useLab.getState().comparison.progress).toEqual(progress);
    for (const step of [1, 2])
      applyWorkerEvent({
        type: 'compare-metrics',
        id: 7,
        method: 'grpo',
        metrics: [{ step, reward: step / 4 }],
      });
    applyWorkerEvent({ type: 'compare-row', id: 7, row: row('grpo', 0.25) });
    let s = useLab.getState();
    expect(s.comparison.rows.map((r) => r.method)).toEqual(['grpo']);
    expect(s.savedRuns).toMatchObject([
      { id: 'cmp-7-grpo', algo: 'grpo', seed: 1, origin: 'comparison', results: { overall: 0.25 } },
    ]);
    expect(s.savedRuns[0].metrics.map((m) => m.reward)).toEqual([0.25, 0.5]);
    applyWorkerEvent({
      type: 'compare-done',
      id: 7,
      budgetText: ['budget'],
      result: {
        config,
        budget: comparisonBudget(config),
        sources: ['generated L1'],
        rows: [row('grpo', 0.25), row('thinktuning', 0.5)],
        arms: [
          { method: 'grpo', label: 'GRPO', metrics: [{ step: 1 }, { step: 2 }] },
          { method: 'thinktuning', label: 'ThinkTuning', metrics: [{ step: 1 }] },
        ],
        stopped: false,
        seconds: 12,
      },
    });
    s = useLab.getState();
    expect(s.comparison).toMatchObject({ status: 'done', seconds: 12, budgetText: ['budget'] });
    expect(s.savedRuns.map((r) => r.id)).toEqual(['cmp-7-grpo', 'cmp-7-thinktuning']);
    expect(s.savedRuns[0].metrics).toEqual([{ step: 1 }, { step: 2 }]); // the done event's history wins
    expect(s.compareSelection).toEqual(['cmp-7-grpo', 'cmp-7-thinktuning']);
  });

  it('an error answering the compare command marks it failed', () => {
    useLab.setState({ comparison: { ...COMPARISON_IDLE, id: 3, status: 'running' } });
    applyWorkerEvent({ type: 'error', id: 2, message: 'other' });
    expect(useLab.getState().comparison.status).toBe('running');
    applyWorkerEvent({ type: 'error', id: 3, message: 'Stop the training run first' });
    expect(useLab.getState().comparison.status).toBe('failed');
  });

  it('a lab run is offered while it runs and kept when the next one starts', () => {
    const grpo = {
      ...presetConfig('tiny'),
      rl: { ...presetConfig('tiny').rl, algo: 'grpo' as const },
    };
    applyWorkerEvent({ type: 'run-started', id: 1, run: 1, config: grpo, name: 'grpo run' });
    const stored = { steps: [1], bytes: 1, budgetBytes: 10 };
    applyWorkerEvent({
      type: 'metrics',
      run: 1,
      step: 1,
      metrics: { step: 1, reward: 0.1 },
      teacherFailures: {},
      notes: [],
      stored,
    });
    expect(compareCandidates(useLab.getState()).map((r) => [r.id, r.algo])).toEqual([
      ['lab-1', 'grpo'],
    ]);
    applyWorkerEvent({
      type: 'run-started',
      id: 2,
      run: 2,
      config: presetConfig('tiny'),
      name: 'tiny run',
    });
    const s = useLab.getState();
    expect(s.savedRuns.map((r) => [r.id, r.name])).toEqual([['lab-1', 'grpo run']]);
    expect(s.savedRuns[0].metrics).toEqual([{ step: 1, reward: 0.1 }]);
    // run 2 has no steps yet: not offered
    expect(compareCandidates(s).map((r) => r.id)).toEqual(['lab-1']);
  });

  it('offers saved runs (algo of a comparison arm from its origin) once, the live run over its record', () => {
    const tiny = presetConfig('tiny');
    const record = (id: string, origin: string, createdAt: number, step: number): RunRecord => ({
      id,
      name: id,
      createdAt,
      updatedAt: createdAt,
      config: tiny,
      status: 'finished',
      step,
      totalSteps: step,
      sftStep: 0,
      checkpoint: null,
      trajectories: { steps: 0, bytes: 0, budgetBytes: 0, dropped: 0 },
      backend: 'wasm',
      origin,
    });
    useLab.setState({
      libraryRuns: [
        record('live', 'lab', 30, 1),
        record('arm', 'comparison:star', 20, 4),
        record('old', 'lab', 10, 7),
      ],
      storedMetrics: { old: [{ step: 1, reward: 0.3 }] },
    });
    applyWorkerEvent({
      type: 'run-started',
      id: 1,
      run: 1,
      config: tiny,
      runId: 'live',
      name: 'live run',
    });
    const stored = { steps: [1], bytes: 1, budgetBytes: 10 };
    applyWorkerEvent({
      type: 'metrics',
      run: 1,
      step: 1,
      metrics: { step: 1, reward: 0.9 },
      teacherFailures: {},
      notes: [],
      stored,
    });
    useLab.setState({ runStartedAt: 40 });
    const runs = compareCandidates(useLab.getState());
    expect(runs.map((r) => [r.id, r.algo, r.origin, r.steps])).toEqual([
      ['live', 'thinktuning', 'lab', 1], // the live history, not the record's (unloaded) rows
      ['arm', 'star', 'stored', 4], // steps from the record until its rows are loaded
      ['old', 'thinktuning', 'stored', 1],
    ]);
    expect(runs[0].metrics).toEqual([{ step: 1, reward: 0.9 }]);
    expect(runs[2].metrics).toEqual([{ step: 1, reward: 0.3 }]);
  });

  it('names a run as the run list does: during the session, after a rename and after a reload', () => {
    const tiny = presetConfig('tiny');
    const name = describeRun('tiny', tiny, new Date(2026, 0, 1, 9, 5).getTime());
    applyWorkerEvent({ type: 'run-started', id: 1, run: 1, config: tiny, runId: 'r1', name });
    const stored = { steps: [1], bytes: 1, budgetBytes: 10 };
    const metrics = { step: 1, reward: 0.5 };
    applyWorkerEvent({
      type: 'metrics',
      run: 1,
      step: 1,
      metrics,
      teacherFailures: {},
      notes: [],
      stored,
    });
    const record = (n: string): RunRecord => ({
      id: 'r1',
      name: n,
      createdAt: 1,
      updatedAt: 1,
      config: tiny,
      status: 'running',
      step: 1,
      totalSteps: tiny.rl.steps,
      sftStep: 0,
      checkpoint: null,
      trajectories: { steps: 0, bytes: 0, budgetBytes: 0, dropped: 0 },
      backend: 'wasm',
      origin: 'lab',
    });
    useLab.setState({ libraryRuns: [record(name)] });
    expect(compareCandidates(useLab.getState()).map((r) => r.name)).toEqual([name]);
    // Renamed in the run list: the picker follows.
    useLab.setState({ libraryRuns: [record('baseline')] });
    expect(compareCandidates(useLab.getState()).map((r) => r.name)).toEqual(['baseline']);
    // The next run moves this one to the page's earlier runs: still the same name.
    applyWorkerEvent({ type: 'run-started', id: 2, run: 2, config: tiny, name: 'next' });
    expect(compareCandidates(useLab.getState()).map((r) => r.name)).toEqual(['baseline']);
    // After a reload only the saved record is left: the same name again.
    resetLab();
    useLab.setState({ libraryRuns: [record('baseline')] });
    expect(compareCandidates(useLab.getState()).map((r) => r.name)).toEqual(['baseline']);
  });

  it("a saved arm keeps its run id, so the run store's copy is not listed twice", () => {
    const config = presetConfig('tiny');
    useLab.setState({
      comparison: {
        ...COMPARISON_IDLE,
        id: 4,
        status: 'running',
        config,
        label: 'comparison 10:00',
      },
    });
    applyWorkerEvent({
      type: 'compare-metrics',
      id: 4,
      method: 'sft',
      metrics: [{ step: 1, loss: 2 }],
    });
    applyWorkerEvent({ type: 'compare-row', id: 4, row: row('sft', 0.1), runId: 'saved-sft' });
    applyWorkerEvent({ type: 'compare-row', id: 4, row: row('zero-shot', 0.1) });
    const s = useLab.getState();
    expect(s.savedRuns.map((r) => [r.id, r.name, r.algo])).toEqual([
      ['saved-sft', 'SFT · comparison 10:00 · seed 1', 'sft'],
    ]); // zero-shot trains nothing: no run
    expect(s.comparison.runIds).toEqual({ sft: 'saved-sft' });
  });
});
