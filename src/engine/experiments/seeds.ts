/**
 * The comparison over several seeds: per method, each seed's held-out greedy accuracy, their
 * mean and a 95% confidence interval for the mean (Student's t, n - 1 degrees of freedom).
 * Pure functions: the CLI runs one comparison per seed and hands the rows here.
 */
import { METHOD_LABELS, METHODS, type Method, type ResultsRow } from '../../contract/resultsTable';

/** Two-sided 95% quantiles t_{0.975, df} for df = 1..30 (larger df use 1.96). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

/** t_{0.975, df}; 1.96 past the table. */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`degrees of freedom must be >= 1 (${df})`);
  return df <= T975.length ? T975[df - 1] : 1.96;
}

export interface MeanCi {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); 0 for one value. */
  sd: number;
  /** Half-width of the 95% interval: t_{0.975, n-1} * sd / sqrt(n); null for one value. */
  halfWidth: number | null;
  low: number | null;
  high: number | null;
}

/** mean ± t_{0.975,n-1} · sd/√n over the values. */
export function meanCi95(values: readonly number[]): MeanCi {
  const n = values.length;
  if (n === 0) throw new Error('meanCi95 needs at least one value');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  if (n === 1) return { n, mean, sd, halfWidth: null, low: null, high: null };
  const halfWidth = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, halfWidth, low: mean - halfWidth, high: mean + halfWidth };
}

export interface SeedSummary {
  method: Method;
  label: string;
  seeds: number[];
  /** Held-out greedy accuracy per seed, in `seeds` order (0..1). */
  accuracies: number[];
  accuracy: MeanCi;
  /** Mean over seeds of (accuracy - warm-up accuracy): null without a zero-shot row. */
  gainOverWarmup: MeanCi | null;
}

/**
 * Summarises one comparison per seed. Each row set must come from the same held-out questions;
 * `byseed[k]` holds the rows of seeds[k]. Methods missing from some seed (stopped early) are
 * summarised over the seeds that have them.
 */
export function summariseSeeds(seeds: readonly number[], bySeed: ResultsRow[][]): SeedSummary[] {
  if (seeds.length !== bySeed.length) throw new Error('one row set per seed');
  const out: SeedSummary[] = [];
  for (const method of METHODS) {
    const have: number[] = [];
    const acc: number[] = [];
    const gains: number[] = [];
    bySeed.forEach((rows, k) => {
      const row = rows.find((r) => r.method === method);
      if (!row) return;
      have.push(seeds[k]);
      acc.push(row.overall);
      const warm = rows.find((r) => r.method === 'zero-shot');
      if (warm) gains.push(row.overall - warm.overall);
    });
    if (acc.length === 0) continue;
    out.push({
      method,
      label: METHOD_LABELS[method],
      seeds: have,
      accuracies: acc,
      accuracy: meanCi95(acc),
      gainOverWarmup: gains.length === acc.length ? meanCi95(gains) : null,
    });
  }
  return out;
}

const pct = (x: number) => (x * 100).toFixed(1);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${pct(Math.abs(x))}`;

function ciText(c: MeanCi, fmt: (x: number) => string): string {
  return c.halfWidth === null ? fmt(c.mean) : `${fmt(c.mean)} ± ${pct(c.halfWidth)}`;
}

/** The seeds table in Markdown: per-seed accuracies, mean ± 95% CI, gain over the warm-up. */
export function seedsMarkdown(summary: readonly SeedSummary[], questions: number): string {
  const seeds = [...new Set(summary.flatMap((s) => s.seeds))];
  const head = [
    'Method',
    ...seeds.map((s) => `seed ${s} %`),
    'mean ± 95% CI %',
    'gain over warm-up (points)',
  ];
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  for (const s of summary) {
    const cells = seeds.map((seed) => {
      const k = s.seeds.indexOf(seed);
      return k < 0 ? '—' : pct(s.accuracies[k]);
    });
    const gain =
      s.method === 'zero-shot' || !s.gainOverWarmup ? '—' : ciText(s.gainOverWarmup, signed);
    lines.push(`| ${[s.label, ...cells, ciText(s.accuracy, pct), gain].join(' | ')} |`);
  }
  lines.push(
    '',
    `Held-out greedy accuracy on the same ${questions} questions for every seed and method; the interval is mean ± t(0.975, n−1)·sd/√n over the seeds.`,
  );
  return lines.join('\n');
}
