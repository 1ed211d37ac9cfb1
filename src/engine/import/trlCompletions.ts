/**
 * TRL GRPOTrainer completion logs (TRL >= 0.28, `log_completions=True`):
 * `<output_dir>/completions/completions_<step>.parquet` with `step`, `prompt`, `completion`, one
 * float column per reward function, any `log_extra` columns, then `advantage` (one per
 * completion). Each file holds the latest `generation_batch_size` rows of a rolling window, so
 * consecutive files overlap: a file = the previous file minus its oldest rows + new rows. The
 * overlap is found by content and skipped. Groups are the rows sharing a prompt within a step.
 */
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { RolloutIndexBuilder } from './rolloutIndex';
import type { FormatFacts, ImportSource } from '../../contract/importedRun';

/** A TRL completions file name: `completions_<global step>.parquet`. */
export const TRL_FILE = /^completions_(\d+)\.parquet$/;

export const TRL_FACTS: FormatFacts = {
  text: true,
  reward: true,
  advantage: true,
  groundTruth: false,
  perToken: false,
  absent: [
    'Reward: TRL logs one column per reward function, not the weighted total (reward_weights are not logged); the reward shown is their sum.',
    'Per-token values (log-probs, ratios, entropy): TRL logs one advantage per completion and no per-token values.',
    'Ground truth: not part of the completion log.',
    'Repeats: each file holds a rolling window of the latest rows; rows already read from the previous file are skipped.',
  ],
};

const REQUIRED = ['step', 'prompt', 'completion', 'advantage'] as const;
const NUMERIC = new Set(['DOUBLE', 'FLOAT', 'INT32', 'INT64']);

/** One checked row. */
interface TrlRow {
  step: number;
  prompt: string;
  completion: string;
  advantage: number;
  rewards: Record<string, number>;
  extra: Record<string, string>;
  key: string;
}

type Cell = unknown;

const num = (v: Cell): number | null =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v === null ? Number.NaN : null;

/** Overlap length: the largest k with prev[-k:] equal to cur[:k] (row keys). */
export function windowOverlap(prev: readonly string[], cur: readonly string[]): number {
  for (let e = Math.max(0, prev.length - cur.length); e < prev.length; e++) {
    const k = prev.length - e;
    let same = true;
    for (let j = 0; j < k && same; j++) same = prev[e + j] === cur[j];
    if (same) return k;
  }
  return 0;
}

/** Reads one file's rows; problems are reported by file and row. */
async function readRows(
  source: ImportSource,
  index: RolloutIndexBuilder,
): Promise<{ rows: TrlRow[]; rewardColumns: string[] } | null> {
  const bytes = await source.read(0, source.size);
  const buffer = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  let columns: Array<{ name: string; type: string | undefined }>;
  let records: Record<string, Cell>[];
  try {
    const metadata = parquetMetadata(buffer);
    columns = parquetSchema(metadata).children.map((c) => ({
      name: c.element.name,
      type: c.element.type,
    }));
    records = (await parquetReadObjects({ file: buffer, metadata })) as Record<string, Cell>[];
  } catch (e) {
    index.problem({
      file: source.name,
      message: `not a readable parquet file (${(e as Error).message})`,
    });
    return null;
  }
  const names = columns.map((c) => c.name);
  const missing = REQUIRED.filter((k) => !names.includes(k));
  if (missing.length) {
    index.problem({
      file: source.name,
      message: `missing column${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k}"`).join(', ')} (TRL writes step, prompt, completion, reward columns, advantage); file skipped`,
    });
    return null;
  }
  const rest = columns.filter((c) => !(REQUIRED as readonly string[]).includes(c.name));
  const rewardColumns = rest.filter((c) => NUMERIC.has(c.type ?? '')).map((c) => c.name);
  const extraColumns = rest.filter((c) => !NUMERIC.has(c.type ?? '')).map((c) => c.name);
  const rows: TrlRow[] = [];
  records.forEach((r, i) => {
    const bad = (message: string) => index.problem({ file: source.name, line: i + 1, message });
    const step = num(r.step);
    if (step === null || !Number.isInteger(step))
      return bad(`"step" must be an integer (got ${String(r.step)})`);
    if (typeof r.prompt !== 'string')
      return bad(`"prompt" must be a string (got ${r.prompt === null ? 'null' : typeof r.prompt})`);
    if (typeof r.completion !== 'string')
      return bad(
        `"completion" must be a string (got ${r.completion === null ? 'null' : typeof r.completion})`,
      );
    const advantage = num(r.advantage);
    if (advantage === null) return bad(`"advantage" must be a number (got ${typeof r.advantage})`);
    const rewards: Record<string, number> = {};
    for (const c of rewardColumns) {
      const v = num(r[c]);
      if (v === null) return bad(`reward column "${c}" must be a number (got ${typeof r[c]})`);
      rewards[c] = v;
    }
    const extra: Record<string, string> = {};
    for (const c of extraColumns) if (r[c] !== null && r[c] !== undefined) extra[c] = String(r[c]);
    const key = JSON.stringify([
      r.prompt,
      r.completion,
      advantage,
      rewardColumns.map((c) => rewards[c]),
      extra,
    ]);
    rows.push({ step, prompt: r.prompt, completion: r.completion, advantage, rewards, extra, key });
  });
  return { rows, rewardColumns };
}

/** Reads the files (sorted by step) into the index, skipping each file's overlap with the last. */
export async function readTrlFiles(
  sources: readonly ImportSource[],
  index: RolloutIndexBuilder,
): Promise<void> {
  let prevKeys: string[] = [];
  for (const source of sources) {
    const read = await readRows(source, index);
    if (!read) continue;
    const keys = read.rows.map((r) => r.key);
    const overlap = windowOverlap(prevKeys, keys);
    index.duplicates += overlap;
    for (const row of read.rows.slice(overlap)) {
      let reward = 0;
      for (const c of read.rewardColumns)
        if (!Number.isNaN(row.rewards[c])) reward += row.rewards[c]; // sum of reward columns (nansum)
      index.add({
        step: row.step,
        prompt: row.prompt,
        reward,
        advantage: row.advantage,
        components: row.rewards,
        ref: { kind: 'inline', completion: row.completion, extra: row.extra },
      });
    }
    prevKeys = keys;
  }
}
