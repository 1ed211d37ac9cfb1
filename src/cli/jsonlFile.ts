/**
 * Reading a run folder's JSONL files (metrics.jsonl, trajectories.jsonl, eval.jsonl,
 * sft_metrics.jsonl) as a crash may have left them: rows are appended one write at a time, so a
 * kill can leave the last line torn (no final newline, cut-off JSON). That line is dropped and
 * reported; any other line that is not a JSON object is an error naming the file and line.
 */

export interface JsonlRow {
  /** The line's text (no newline). */
  text: string;
  value: Record<string, unknown>;
}

export interface JsonlContent {
  rows: JsonlRow[];
  /** Bytes of a torn last line that was dropped (0: none). */
  tornChars: number;
}

/** Parses JSONL text; an unterminated last line is dropped (see the top of this file). */
export function parseJsonlTolerant(file: string, text: string): JsonlContent {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const rows: JsonlRow[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(
        `${file} line ${i + 1} is not valid JSON (${(e as Error).message}); only a torn last line (a crash while appending) is dropped on resume, so fix or delete that line.`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`${file} line ${i + 1} is not a JSON object.`);
    rows.push({ text: line, value: value as Record<string, unknown> });
  });
  return { rows, tornChars: last.length };
}

/** JSONL text of rows (each line followed by a newline). */
export function jsonlText(rows: readonly JsonlRow[]): string {
  return rows.map((r) => `${r.text}\n`).join('');
}
