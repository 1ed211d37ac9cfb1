/**
 * verl rollout dumps (`trainer.rollout_data_dir`): a folder of `<step>.jsonl`, one line per
 * rollout with `input`, `output`, `score`, `step`, optional `gts` (verl >= 0.6) and every extra
 * reward key (e.g. `acc`). Lines carry no group id and no advantage, so groups are rebuilt by
 * (step, input); per-token values are never dumped by verl.
 */
import { jsonlLines, parseJsonObject } from './jsonlLines';
import type { RolloutIndexBuilder } from './rolloutIndex';
import type { FormatFacts, ImportSource, RolloutDetail } from '../../contract/importedRun';

/** A verl dump file name: `<global step>.jsonl`. */
export const VERL_FILE = /^(\d+)\.jsonl$/;

export function verlFacts(hasGts: boolean): FormatFacts {
  return {
    text: true,
    reward: true,
    advantage: false,
    groundTruth: hasGts,
    perToken: false,
    absent: [
      'Advantage: verl dumps hold the score only (the advantage is computed in memory and not written).',
      'Per-token values (log-probs, ratios, entropy): verl never writes them to the dump.',
      ...(hasGts
        ? []
        : ['Ground truth: no "gts" field (verl before 0.6 and the ThinkTuning fork).']),
      'Groups: rebuilt from (step, input), since lines carry no group id.',
    ],
  };
}

/** Keys of a verl line that are not reward components. */
const TEXT_KEYS = new Set(['input', 'output', 'gts', 'step', 'score', 'reward', 'request_id']);

/** Checks one parsed line; returns what the index needs or the problem. */
export function checkVerlLine(o: Record<string, unknown>):
  | {
      input: string;
      step: number;
      score: number;
      gts: string | null;
      components: Record<string, number>;
    }
  | string {
  for (const k of ['input', 'output', 'score', 'step'])
    if (!(k in o)) return `missing field "${k}" (a verl dump line has input, output, score, step)`;
  if (typeof o.input !== 'string') return `"input" must be a string (got ${typeName(o.input)})`;
  if (typeof o.output !== 'string') return `"output" must be a string (got ${typeName(o.output)})`;
  if (!Number.isInteger(o.step)) return `"step" must be an integer (got ${JSON.stringify(o.step)})`;
  if (o.score !== null && typeof o.score !== 'number')
    return `"score" must be a number (got ${typeName(o.score)})`;
  const components: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    if (TEXT_KEYS.has(k)) continue;
    if (typeof v === 'number') components[k] = v;
    else if (typeof v === 'boolean') components[k] = v ? 1 : 0;
  }
  const gts = o.gts === undefined || o.gts === null ? null : String(o.gts);
  return {
    input: o.input,
    step: o.step as number,
    score: o.score === null ? Number.NaN : (o.score as number),
    gts,
    components,
  };
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** Streams one dump file into the index; returns whether any line had `gts`. */
export async function readVerlFile(
  source: ImportSource,
  fileIndex: number,
  index: RolloutIndexBuilder,
): Promise<boolean> {
  let hasGts = false;
  for await (const l of jsonlLines(source.stream())) {
    if (!l.text.trim()) continue;
    const o = parseJsonObject(l.text);
    const checked = typeof o === 'string' ? o : checkVerlLine(o);
    if (typeof checked === 'string') {
      const torn =
        l.unterminated && typeof o === 'string'
          ? ' — the last line has no newline: a torn write?'
          : '';
      index.problem({ file: source.name, line: l.line, message: checked + torn });
      continue;
    }
    if (checked.gts !== null) hasGts = true;
    index.add({
      step: checked.step,
      prompt: checked.input,
      groundTruth: checked.gts,
      reward: checked.score,
      components: checked.components,
      ref: { kind: 'line', file: fileIndex, start: l.start, end: l.end },
    });
  }
  return hasGts;
}

/** The completion and extras of a line read back from its file. */
export function verlDetail(
  o: Record<string, unknown>,
): Pick<RolloutDetail, 'completion' | 'extra'> {
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(o))
    if (typeof v === 'string' && !TEXT_KEYS.has(k)) extra[k] = v;
  return { completion: String(o.output), extra };
}
