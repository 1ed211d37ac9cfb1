/**
 * Chart data: the series each chart draws (read from TRL-named step metrics) and EMA
 * smoothing. Pure functions; charts memoize their rows on (history, smoothing).
 */
import type { MetricName, StepMetrics } from '../contract/metrics';

/** One line (or band) of a chart. `get` returns null where the metric does not apply. */
export interface SeriesDef {
  key: string;
  label: string;
  color: string;
  get: (m: StepMetrics) => number | null;
  dashed?: boolean;
  /** Plotted on the right axis. */
  right?: boolean;
}

export interface ChartDef {
  id: string;
  title: string;
  series: SeriesDef[];
  /** A shaded band [low, high] around a series (reward ± std). */
  band?: { key: string; label: string; color: string; get: (m: StepMetrics) => [number, number] };
  rightLabel?: string;
  /** Fixed y domain, e.g. [0, 1] for rates. */
  domain?: [number, number];
  percent?: boolean;
}

const metric = (name: MetricName) => (m: StepMetrics) => finite(m[name]);
const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
/** A guided-only metric: null on steps without guided rollouts (GRPO, teacher off). */
const guidedOnly = (name: MetricName) => (m: StepMetrics) =>
  (m['thinktuning/guided_count'] ?? 0) > 0 ? finite(m[name]) : null;
const unguidedOnly = (name: MetricName) => (m: StepMetrics) =>
  (m['thinktuning/guided_count'] ?? 0) > 0 ? finite(m[name]) : null;

export const CHARTS: ChartDef[] = [
  {
    id: 'reward',
    title: 'Reward',
    band: {
      key: 'reward_band',
      label: 'mean ± std',
      color: '#60a5fa',
      get: (m) => [m.reward! - m.reward_std!, m.reward! + m.reward_std!],
    },
    series: [
      { key: 'reward', label: 'mean', color: '#60a5fa', get: metric('reward') },
      {
        key: 'guided',
        label: 'guided',
        color: '#f59e0b',
        get: guidedOnly('thinktuning/guided_reward_mean'),
        dashed: true,
      },
      {
        key: 'unguided',
        label: 'unguided',
        color: '#a3e635',
        get: unguidedOnly('thinktuning/unguided_reward_mean'),
        dashed: true,
      },
    ],
  },
  {
    id: 'accuracy',
    title: 'Accuracy',
    domain: [0, 1],
    percent: true,
    series: [
      { key: 'accuracy', label: 'own rollouts', color: '#34d399', get: metric('accuracy') },
      {
        // greedy on eval.size held-out questions every rl.evalEvery steps (null in between)
        key: 'heldout',
        label: 'held-out (greedy)',
        color: '#f472b6',
        get: metric('eval/accuracy'),
      },
      {
        key: 'zero_std',
        label: 'zero-spread groups',
        color: '#94a3b8',
        get: metric('frac_reward_zero_std'),
        dashed: true,
      },
    ],
  },
  {
    id: 'clip',
    title: 'Clipping and truncation',
    domain: [0, 1],
    percent: true,
    series: [
      { key: 'low', label: 'clip low', color: '#f87171', get: metric('clip_ratio/low_mean') },
      { key: 'high', label: 'clip high', color: '#34d399', get: metric('clip_ratio/high_mean') },
      {
        key: 'region',
        label: 'clip region',
        color: '#c084fc',
        get: metric('clip_ratio/region_mean'),
      },
      {
        key: 'truncated',
        label: 'truncated',
        color: '#fbbf24',
        get: metric('completions/clipped_ratio'),
        dashed: true,
      },
    ],
  },
  {
    id: 'length',
    title: 'Response length (tokens)',
    series: [
      { key: 'mean', label: 'mean', color: '#60a5fa', get: metric('completions/mean_length') },
      { key: 'min', label: 'min', color: '#64748b', get: metric('completions/min_length') },
      { key: 'max', label: 'max', color: '#94a3b8', get: metric('completions/max_length') },
      {
        key: 'guided',
        label: 'guided',
        color: '#f59e0b',
        get: guidedOnly('completions/guided_mean_length'),
        dashed: true,
      },
      {
        key: 'unguided',
        label: 'unguided',
        color: '#a3e635',
        get: metric('completions/unguided_mean_length'),
        dashed: true,
      },
    ],
  },
  {
    id: 'kl',
    title: 'KL to reference',
    series: [{ key: 'kl', label: 'KL (k3)', color: '#f472b6', get: metric('kl') }],
  },
  {
    id: 'entropy',
    title: 'Entropy',
    series: [{ key: 'entropy', label: 'entropy', color: '#a78bfa', get: metric('entropy') }],
  },
  {
    // The paper's two behaviours to watch: reflection, and the unknown-behaviour catchphrase
    id: 'behavior',
    title: 'Behaviour (own rollouts)',
    domain: [0, 1],
    percent: true,
    series: [
      {
        key: 'reflection',
        label: 'reflection',
        color: '#a78bfa',
        get: metric('behavior/reflection_rate_unguided'),
      },
      {
        key: 'catchphrase',
        label: 'catchphrase',
        color: '#f59e0b',
        get: metric('behavior/catchphrase_rate_unguided'),
      },
      {
        key: 'heldout_catchphrase',
        label: 'catchphrase, held-out (greedy)',
        color: '#fcd34d',
        get: metric('eval/catchphrase_rate'),
        dashed: true,
      },
    ],
  },
  {
    id: 'guided',
    title: 'Guided share and teacher failures',
    rightLabel: 'failures',
    series: [
      {
        key: 'share',
        label: 'guided share',
        color: '#f59e0b',
        get: metric('thinktuning/guided_share'),
      },
      {
        key: 'rate',
        label: 'selection rate',
        color: '#fcd34d',
        get: metric('thinktuning/selection_rate'),
        dashed: true,
      },
      {
        key: 'failures',
        label: 'teacher failures',
        color: '#f87171',
        get: metric('thinktuning/teacher_failures'),
        right: true,
      },
    ],
  },
  {
    id: 'throughput',
    title: 'Throughput and step time',
    rightLabel: 's / step',
    series: [
      {
        key: 'rollout',
        label: 'rollout tok/s',
        color: '#22d3ee',
        get: metric('throughput/rollout_tokens_per_s'),
      },
      {
        key: 'train',
        label: 'train tok/s',
        color: '#60a5fa',
        get: metric('throughput/train_tokens_per_s'),
      },
      { key: 'time', label: 'step time', color: '#f472b6', get: metric('step_time'), right: true },
    ],
  },
];

/**
 * Debiased exponential moving average (TensorBoard's): s_t = w s_{t-1} + (1 − w) x_t, divided by
 * 1 − w^n over the n values seen. Nulls stay null and are skipped.
 */
export function ema(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.slice();
  let acc = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null) return null;
    acc = weight * acc + (1 - weight) * v;
    n++;
    return acc / (1 - weight ** n);
  });
}

/** One chart row per step: smoothed values under each series key, raw ones under `raw:key`. */
export type ChartRow = Record<string, number | null | [number, number]> & { step: number };

export function chartRows(
  def: ChartDef,
  history: readonly StepMetrics[],
  smoothing: number,
): ChartRow[] {
  const columns = def.series.map((s) => ({
    key: s.key,
    raw: history.map((m) => s.get(m)),
  }));
  const smoothed = columns.map((c) => ema(c.raw, smoothing));
  const band = def.band
    ? (() => {
        const lows = ema(
          history.map((m) => def.band!.get(m)[0]),
          smoothing,
        );
        const highs = ema(
          history.map((m) => def.band!.get(m)[1]),
          smoothing,
        );
        return lows.map((lo, i) => [lo ?? 0, highs[i] ?? 0] as [number, number]);
      })()
    : null;
  return history.map((m, i) => {
    const row: ChartRow = { step: m.step ?? i + 1 };
    columns.forEach((c, k) => {
      row[c.key] = smoothed[k][i];
      row[`raw:${c.key}`] = c.raw[i];
    });
    if (band && def.band) row[def.band.key] = band[i];
    return row;
  });
}
