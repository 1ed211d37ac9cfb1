import { create } from 'zustand';
import { assertNever, type WorkerEvent } from '../session/protocol';
import { IDLE_PROGRESS, initialLabState, type LabState } from './slices';

export type { LabState, WorkerStatus, ColorMode, RunNote } from './slices';

/** The one store of the page, built from the slices in slices.ts. */
export const useLab = create<LabState>()(() => initialLabState());

/** Back to the initial state (tests). */
export function resetLab(): void {
  useLab.setState(initialLabState(), true);
}

const MAX_NOTES = 200;
const MAX_LOGS = 200;
const MAX_ERRORS = 20;

/** Applies one worker event to the store (a plain function, testable without React). */
export function applyWorkerEvent(e: WorkerEvent): void {
  switch (e.type) {
    case 'ready':
      useLab.setState({
        status: 'ready',
        backend: e.backend,
        adapter: e.adapter,
        backendReason: e.reason,
        model: e.model,
      });
      return;
    case 'samples':
      useLab.setState({
        status: 'ready',
        completions: e.completions,
        sampleStats: { tokensPerSecond: e.tokensPerSecond, ms: e.ms },
      });
      return;
    case 'model':
      useLab.setState((s) => ({
        status: s.status === 'busy' ? 'ready' : s.status,
        model: e.model,
      }));
      return;
    case 'run-started':
      useLab.setState({
        run: e.run,
        runConfig: e.config,
        progress: {
          ...IDLE_PROGRESS,
          status: 'running',
          phase: 'preparing',
          totalSteps: e.config.rl.steps,
          sftSteps: e.config.sft.steps,
        },
        notes: [],
        failureTotals: {},
        history: [],
        sftHistory: [],
        stored: null,
        inspectStep: null,
        inspectGroup: 0,
        inspected: null,
      });
      return;
    case 'progress':
      if (e.run !== useLab.getState().run) return;
      useLab.setState({ progress: e.progress });
      return;
    case 'sft-metrics':
      if (e.run !== useLab.getState().run) return;
      useLab.setState((s) => ({ sftHistory: [...s.sftHistory, ...e.metrics] }));
      return;
    case 'metrics':
      if (e.run !== useLab.getState().run) return;
      useLab.setState((s) => {
        const totals = { ...s.failureTotals };
        for (const [k, n] of Object.entries(e.teacherFailures)) totals[k] = (totals[k] ?? 0) + n;
        const notes = e.notes.length
          ? [...s.notes, ...e.notes.map((text) => ({ step: e.step, text }))].slice(-MAX_NOTES)
          : s.notes;
        return {
          history: [...s.history, e.metrics],
          failureTotals: totals,
          notes,
          stored: e.stored,
        };
      });
      return;
    case 'trajectories':
      useLab.setState((s) => {
        // Pushed steps replace the view only while the inspector follows the latest step.
        if (e.id === null && s.inspectStep !== null) return {};
        const groups = new Set(e.trajectories.map((t) => t.group)).size;
        return {
          inspected: { step: e.step, trajectories: e.trajectories },
          inspectGroup: s.inspectGroup < groups ? s.inspectGroup : 0,
        };
      });
      return;
    case 'connection':
      useLab.setState({ connection: { pending: false, report: e.report } });
      return;
    case 'exported':
      useLab.setState((s) => ({
        logs: [
          ...s.logs.slice(-(MAX_LOGS - 1)),
          `Exported ${e.steps.length === 1 ? `step ${e.steps[0]}` : `${e.steps.length} steps`} as ${e.filename}`,
        ],
      }));
      return;
    case 'config-applied':
      if (e.applied.length === 0) return;
      useLab.setState((s) => ({
        logs: [
          ...s.logs.slice(-(MAX_LOGS - 1)),
          `Applied from the next step: ${e.applied.join(', ')}`,
        ],
      }));
      return;
    case 'log':
      useLab.setState((s) => ({ logs: [...s.logs.slice(-(MAX_LOGS - 1)), e.message] }));
      return;
    case 'error':
      useLab.setState((s) => ({
        status: s.backend ? 'ready' : 'failed',
        errors: [...s.errors.slice(-(MAX_ERRORS - 1)), e.message],
        connection: s.connection.pending ? { pending: false, report: null } : s.connection,
      }));
      return;
    default:
      assertNever(e);
  }
}
