/**
 * Runs as the compare view sees them, and how each kind becomes one: a lab run of this page, a
 * saved run from the run store (src/storage/runStore.ts), one arm of the paper's comparison.
 * Pure functions.
 */
import type { RunConfig } from '../contract/config';
import { comparisonArmName, type Method, type ResultsRow } from '../contract/resultsTable';
import type { StepMetrics } from '../contract/metrics';
import type { RunRecord } from '../contract/runRecord';

/** A run the compare view can overlay. */
export interface RunForCompare {
  id: string;
  name: string;
  /** What trained it: 'grpo' | 'thinktuning' (rl.algo), or 'sft' | 'star' (comparison arms). */
  algo: string;
  seed: number;
  /** ms since the epoch; later = newer. */
  createdAt: number;
  config: RunConfig | null;
  /** One object per step, TRL names (a metrics.jsonl line each); [] until a saved run's load. */
  metrics: StepMetrics[];
  /** Its last step (STaR: updates planned so far), known before a saved run's rows load. */
  steps: number;
  /** Held-out greedy evaluation, when the run is an arm of a comparison of this page. */
  results?: ResultsRow;
  /** Where it came from: this page's lab, the run store, or a comparison of this page. */
  origin: 'lab' | 'stored' | 'comparison';
}

/**
 * A lab run of this page (worker run number `run`); `storedId`: its saved run, if saved; `name`:
 * the name it was saved under (runNames.ts), so the picker and the run list agree.
 */
export function labRun(
  run: number,
  config: RunConfig,
  metrics: StepMetrics[],
  createdAt: number,
  storedId: string | null = null,
  name: string | null = null,
): RunForCompare {
  return {
    id: storedId ?? `lab-${run}`,
    name:
      name ??
      `Run ${run} · ${config.rl.algo === 'grpo' ? 'GRPO' : 'ThinkTuning'} · seed ${config.seed}`,
    algo: config.rl.algo,
    seed: config.seed,
    createdAt,
    config,
    metrics,
    steps: lastStep(metrics),
    origin: 'lab',
  };
}

/** One arm of a comparison (`comparison`: its command id; `runId`: its saved run, if saved). */
export function comparisonArm(a: {
  comparison: number;
  label: string;
  method: Method;
  config: RunConfig;
  metrics: StepMetrics[];
  results: ResultsRow;
  createdAt: number;
  runId?: string;
}): RunForCompare {
  const { method, config } = a;
  return {
    id: a.runId ?? `cmp-${a.comparison}-${method}`,
    name: comparisonArmName(method, a.label, config.seed),
    algo: method,
    seed: config.seed,
    createdAt: a.createdAt,
    config:
      method === 'grpo' || method === 'thinktuning'
        ? { ...config, rl: { ...config.rl, algo: method } }
        : config,
    metrics: a.metrics,
    steps: lastStep(a.metrics),
    results: a.results,
    origin: 'comparison',
  };
}

/** A saved run; a comparison arm's origin "comparison:<method>" names what trained it. */
export function storedRun(r: RunRecord, metrics: StepMetrics[] | undefined): RunForCompare {
  const arm = /^comparison:(.+)$/.exec(r.origin)?.[1];
  return {
    id: r.id,
    name: r.name,
    algo: arm ?? r.config.rl.algo,
    seed: r.config.seed,
    createdAt: r.createdAt,
    config: r.config,
    metrics: metrics ?? [],
    steps: metrics ? lastStep(metrics) : r.step,
    origin: 'stored',
  };
}

/** The last row's step (0 without rows): the x axis' extent. */
export function lastStep(metrics: readonly StepMetrics[]): number {
  return metrics.at(-1)?.step ?? 0;
}

/** Adds or replaces runs by id, keeping first-seen order. */
export function mergeRuns(
  runs: readonly RunForCompare[],
  more: readonly RunForCompare[],
): RunForCompare[] {
  const out = [...runs];
  for (const r of more) {
    const i = out.findIndex((x) => x.id === r.id);
    if (i >= 0) out[i] = r;
    else out.push(r);
  }
  return out;
}

/**
 * Everything the compare view can offer, newest first: saved runs (metrics as loaded), then
 * this page's runs and comparison arms over them (they carry their metrics and held-out results),
 * then the current lab run with its live history, if it has steps. A saved run is named as the
 * run list names it (a rename shows here at once, and the same after a reload).
 */
export function compareCandidates(s: {
  savedRuns: readonly RunForCompare[];
  libraryRuns: readonly RunRecord[];
  storedMetrics: Readonly<Record<string, StepMetrics[]>>;
  run: number | null;
  runConfig: RunConfig | null;
  runName?: string | null;
  history: StepMetrics[];
  runStartedAt: number | null;
  currentRunId: string | null;
}): RunForCompare[] {
  const stored = s.libraryRuns.map((r) => storedRun(r, s.storedMetrics[r.id]));
  const current =
    s.run !== null && s.runConfig && s.history.length > 0
      ? [
          labRun(
            s.run,
            s.runConfig,
            s.history,
            s.runStartedAt ?? 0,
            s.currentRunId,
            s.runName ?? null,
          ),
        ]
      : [];
  const names = new Map(s.libraryRuns.map((r) => [r.id, r.name]));
  return mergeRuns(mergeRuns(stored, s.savedRuns), current)
    .map((r) =>
      names.has(r.id) && names.get(r.id) !== r.name ? { ...r, name: names.get(r.id)! } : r,
    )
    .sort((a, b) => b.createdAt - a.createdAt);
}
