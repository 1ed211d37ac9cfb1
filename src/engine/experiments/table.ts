/**
 * The comparison's results table in the paper's shape: one row per method, greedy accuracy per
 * task source, then mean length, format, catchphrase and reflection rates. Pure functions.
 */
import type { EvalResult } from '../eval/evaluate';
import type { TaskItem } from '../tasks/types';

/** The paper's rows, in its order (THINKTUNING.md "Main table"). */
export const METHODS = ['zero-shot', 'sft', 'star', 'grpo', 'thinktuning'] as const;
export type Method = (typeof METHODS)[number];

export const METHOD_LABELS: Readonly<Record<Method, string>> = {
  'zero-shot': 'Zero-shot (warm-up)',
  sft: 'SFT',
  star: 'STaR',
  grpo: 'GRPO',
  thinktuning: 'ThinkTuning',
};

/** The name an arm's run gets: "GRPO · comparison 14:05 · seed 1". */
export function comparisonArmName(method: Method, label: string, seed: number): string {
  return `${METHOD_LABELS[method]} · ${label} · seed ${seed}`;
}

/** One method's greedy evaluation. Rates are in [0, 1]. */
export interface ResultsRow {
  method: Method;
  label: string;
  /** Greedy accuracy per task source (sourceLabel), over that source's questions. */
  accuracy: Record<string, number>;
  /** Greedy accuracy over every question. */
  overall: number;
  questions: number;
  /** mean_i tokens_i of the greedy responses. */
  meanTokens: number;
  /** mean_i [ended_i && one \boxed{}]. */
  formatRate: number;
  /** mean_i [count(phrase) == 1]; null when the config sets no catchphrase. */
  catchphraseRate: number | null;
  reflectionRate: number;
  /** Seconds this arm trained (0 for zero-shot). */
  trainSeconds: number;
}

/** A column name per task source: "generated L1", "multiple-choice", "gsm8k". */
export function sourceLabel(item: Pick<TaskItem, 'source' | 'level'>): string {
  return item.level !== undefined ? `${item.source} L${item.level}` : item.source;
}

/** Column names in first-seen order. */
export function sourceLabels(items: readonly TaskItem[]): string[] {
  return [...new Set(items.map(sourceLabel))];
}

/** A row from a greedy evaluation of `items` (per-source accuracy = mean over its questions). */
export function resultsRow(
  method: Method,
  items: readonly TaskItem[],
  r: EvalResult,
  trainSeconds: number,
): ResultsRow {
  if (!r.greedy) throw new Error('resultsRow needs a greedy evaluation (greedy: true).');
  const label = new Map(items.map((it) => [it.id, sourceLabel(it)]));
  const tally = new Map<string, { right: number; n: number }>();
  for (const s of sourceLabels(items)) tally.set(s, { right: 0, n: 0 });
  for (const rec of r.records) {
    if (rec.mode !== 'greedy') continue;
    const t = tally.get(label.get(rec.id) ?? '');
    if (!t) continue;
    t.n++;
    if (rec.correct) t.right++;
  }
  return {
    method,
    label: METHOD_LABELS[method],
    accuracy: Object.fromEntries([...tally].map(([s, t]) => [s, t.n ? t.right / t.n : 0])),
    overall: r.greedy.accuracy,
    questions: r.questions,
    meanTokens: r.greedy.meanTokens,
    formatRate: r.greedy.formatRate,
    catchphraseRate: r.greedy.catchphraseRate,
    reflectionRate: r.greedy.reflectionRate,
    trainSeconds,
  };
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}`);

/**
 * The table as Markdown: rates in percent (one decimal), the best accuracy per column in bold.
 * With one source the "all" column is left out (it would repeat it).
 */
export function comparisonMarkdown(
  rows: readonly ResultsRow[],
  sources: readonly string[],
): string {
  const many = sources.length > 1;
  const head = [
    'Method',
    ...sources.map((s) => `${s} acc %`),
    ...(many ? ['all acc %'] : []),
    'mean length',
    'format %',
    'catchphrase %',
    'reflection %',
    'train s',
  ];
  const best = (get: (r: ResultsRow) => number) => Math.max(...rows.map(get));
  const cell = (v: number, top: number) => (v === top && v > 0 ? `**${pct(v)}**` : pct(v));
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of rows) {
    const cells = [
      r.label,
      ...sources.map((s) =>
        cell(
          r.accuracy[s] ?? 0,
          best((x) => x.accuracy[s] ?? 0),
        ),
      ),
      ...(many
        ? [
            cell(
              r.overall,
              best((x) => x.overall),
            ),
          ]
        : []),
      r.meanTokens.toFixed(1),
      pct(r.formatRate),
      pct(r.catchphraseRate),
      pct(r.reflectionRate),
      r.trainSeconds.toFixed(0),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
