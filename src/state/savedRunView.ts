/**
 * How the page joins the saved runs (written by the worker, listed on its events) with what it
 * sees live, so no row or button lags behind the run. Pure functions, unit-tested.
 */
import type { StepMetrics } from '../contract/metrics';
import type { RunProgress } from '../session/protocol';
import type { RunRecord } from '../contract/runRecord';

/**
 * The run list's row of a saved run. The worker lists runs when one starts, at checkpoints and
 * status changes, not every step: the current run's row takes its step from the live progress.
 */
export function liveRunRecord(r: RunRecord, progress: RunProgress, current: boolean): RunRecord {
  if (!current || progress.step <= r.step) return r;
  return { ...r, step: progress.step };
}

/** A run Resume can continue: not finished, not failed, not the one training now. */
export function canResume(r: RunRecord): boolean {
  return (
    (r.status === 'interrupted' || r.status === 'paused' || r.status === 'stopped') &&
    r.step < r.totalSteps
  );
}

/**
 * The saved run the run controls' Resume continues when this page runs nothing: the newest that
 * can resume (after a reload, the interrupted run). Null while a run is active.
 */
export function resumableRun(runs: readonly RunRecord[], active: boolean): RunRecord | null {
  if (active) return null;
  return runs.find(canResume) ?? null;
}

/**
 * The saved run whose metrics the charts show while this page has trained nothing yet (after a
 * reload: the newest run, so its charts show at once, not only after Resume).
 */
export function previewRun(s: {
  run: number | null;
  libraryRuns: readonly RunRecord[];
}): RunRecord | null {
  return s.run === null ? (s.libraryRuns[0] ?? null) : null;
}

const NO_ROWS: StepMetrics[] = [];

/** The rows the charts draw: the page's run, else the preview run's saved rows (when loaded). */
export function chartHistory(s: {
  run: number | null;
  history: StepMetrics[];
  libraryRuns: readonly RunRecord[];
  storedMetrics: Readonly<Record<string, StepMetrics[]>>;
}): StepMetrics[] {
  const preview = previewRun(s);
  if (!preview) return s.history;
  return s.storedMetrics[preview.id] ?? NO_ROWS;
}
