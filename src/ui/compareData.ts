/**
 * The compare view's data: which runs to overlay by default, one row per step with a column per
 * run, colours, and a summary row per run in the paper's shape. Pure functions.
 */
import type { MetricName, StepMetrics } from '../contract/metrics';
import { lastStep, type RunForCompare } from '../state/compareRuns';
import { ema } from './chartData';

export type { RunForCompare } from '../state/compareRuns';

/** One overlaid chart: the same metric keys as the main charts (chartData.ts). */
export interface CompareChartDef {
  id: string;
  title: string;
  metric: MetricName;
  percent?: boolean;
  domain?: [number, number];
}

export const COMPARE_CHARTS: readonly CompareChartDef[] = [
  { id: 'reward', title: 'Reward (mean)', metric: 'reward' },
  {
    id: 'accuracy',
    title: 'Accuracy (own rollouts)',
    metric: 'accuracy',
    percent: true,
    domain: [0, 1],
  },
  {
    id: 'clip',
    title: 'Clip ratio (region)',
    metric: 'clip_ratio/region_mean',
    percent: true,
    domain: [0, 1],
  },
  { id: 'length', title: 'Mean response length (tokens)', metric: 'completions/mean_length' },
  {
    id: 'catchphrase',
    title: 'Catchphrase rate (unguided)',
    metric: 'behavior/catchphrase_rate_unguided',
    percent: true,
    domain: [0, 1],
  },
  {
    id: 'reflection',
    title: 'Reflection rate (unguided)',
    metric: 'behavior/reflection_rate_unguided',
    percent: true,
    domain: [0, 1],
  },
];

/** Distinct on a dark background; run i gets colour i mod n. */
export const RUN_COLORS = [
  '#60a5fa',
  '#f59e0b',
  '#34d399',
  '#f472b6',
  '#a78bfa',
  '#22d3ee',
  '#f87171',
  '#a3e635',
];

export function runColor(index: number): string {
  return RUN_COLORS[index % RUN_COLORS.length];
}

/**
 * The default pairing: the newest ThinkTuning run that has a GRPO run with the same seed, with
 * the newest such GRPO run (GRPO first). Without such a pair, the two newest runs; fewer runs,
 * all of them.
 */
export function defaultPairing(runs: readonly RunForCompare[]): string[] {
  const newest = [...runs].sort((a, b) => b.createdAt - a.createdAt);
  for (const tt of newest.filter((r) => r.algo === 'thinktuning')) {
    const grpo = newest.find((r) => r.algo === 'grpo' && r.seed === tt.seed);
    if (grpo) return [grpo.id, tt.id];
  }
  return newest.slice(0, 2).map((r) => r.id);
}

/** A finite metric value or null (a gap in the line). */
function value(m: StepMetrics, metric: MetricName): number | null {
  const v = m[metric];
  return v !== undefined && Number.isFinite(v) ? v : null;
}

export type OverlayRow = Record<string, number | null> & { step: number };

/**
 * One row per step seen in any run, ascending; column `run.id` holds that run's (EMA-smoothed)
 * value at the step, null where the run has no such step or metric.
 */
export function overlayRows(
  metric: MetricName,
  runs: readonly RunForCompare[],
  smoothing = 0,
): OverlayRow[] {
  const byRun = runs.map((r) => {
    const smoothed = ema(
      r.metrics.map((m) => value(m, metric)),
      smoothing,
    );
    return new Map(r.metrics.map((m, i) => [m.step ?? i + 1, smoothed[i]]));
  });
  const steps = [...new Set(byRun.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return steps.map((step) => {
    const row: OverlayRow = { step };
    runs.forEach((r, k) => (row[r.id] = byRun[k].get(step) ?? null));
    return row;
  });
}

/** Whether a run has any value of the metric (a run without one draws no line). */
export function hasMetric(run: RunForCompare, metric: MetricName): boolean {
  return run.metrics.some((m) => value(m, metric) !== null);
}

/** Training-time summary of a run: the mean of each metric over its last `lastN` steps. */
export interface RunSummary {
  id: string;
  name: string;
  /** Its last step. */
  steps: number;
  accuracy: number | null;
  meanLength: number | null;
  catchphraseRate: number | null;
  reflectionRate: number | null;
}

export function summarizeRun(run: RunForCompare, lastN = 10): RunSummary {
  const tail = run.metrics.slice(-lastN);
  // mean over the tail's finite values; null when there are none
  const mean = (metric: MetricName): number | null => {
    const xs = tail.map((m) => value(m, metric)).filter((v): v is number => v !== null);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  return {
    id: run.id,
    name: run.name,
    steps: lastStep(run.metrics),
    accuracy: mean('accuracy'),
    meanLength: mean('completions/mean_length'),
    catchphraseRate: mean('behavior/catchphrase_rate_unguided'),
    reflectionRate: mean('behavior/reflection_rate_unguided'),
  };
}
