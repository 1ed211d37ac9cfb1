/**
 * The comparison's results table in the paper's shape: one row per method, greedy accuracy per
 * task source, then mean length, format, catchphrase and reflection rates. Pure functions.
 */
import { METHOD_LABELS, type Method, type ResultsRow } from '../../contract/resultsTable';
import type { EvalResult } from '../eval/evaluate';
import type { TaskItem } from '../tasks/types';

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
