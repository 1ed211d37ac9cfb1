/**
 * Evaluation of a student on TaskItems: a greedy pass (accuracy) and a sampled pass (pass@1 as
 * the mean correctness of k samples per question), plus response length, format, catchphrase
 * and reflection rates. Prompts are batched through `sample` with the KV cache. No Node APIs.
 */
import type { EvalMetrics } from '../../contract/metrics';
import { sample } from '../model/sample';
import type { CausalLM } from '../model/causalLM';
import { mixSeed } from '../random';
import { promptIds } from '../sft/examples';
import { gradeResponse } from '../tasks/grade';
import type { RunConfig } from '../../contract/config';
import type { TaskItem } from '../tasks/types';
import type { Tokenizer } from '../tokenizer';
import { catchphraseCount, hasReflection } from './reflection';

export interface EvaluateOptions {
  /** Appended to every question (config.data.promptSuffix). */
  suffix: string;
  maxNewTokens: number;
  /** Run the greedy pass. */
  greedy: boolean;
  /** k samples per question for sampled pass@1 (0 = no sampled pass). */
  samples: number;
  temperature: number;
  /** Nucleus sampling for the sampled pass (default 1 = off). */
  topP?: number;
  seed: number;
  /** Rows per call to `sample`. */
  batchSize: number;
  /** Phrase for the catchphrase rate ("" or absent = not measured). */
  catchphrase?: string;
  /** Correct only when the response ended with EOS (default true, like the reward). */
  requireEos?: boolean;
  /** Called after each batch with rows done and rows in total. */
  onProgress?: (done: number, total: number) => void;
}

/** One generated response. */
export interface EvalRecord {
  id: string;
  mode: 'greedy' | 'sample';
  /** Sample index within the question (0 for greedy). */
  sample: number;
  answer: string;
  response: string;
  /** Generated tokens, EOS included when emitted. */
  tokens: number;
  ended: boolean;
  extracted: string | null;
  correct: boolean;
  boxedCount: number;
  reflection: boolean;
  catchphraseCount: number;
  /** The prompt did not fit the model context; nothing was generated. */
  skipped?: boolean;
}

/** Aggregates over one pass's responses (all in [0, 1] except meanTokens). */
export interface PassStats {
  responses: number;
  /** mean_i correct_i */
  accuracy: number;
  /** mean_i tokens_i */
  meanTokens: number;
  /** mean_i [ended_i && boxedCount_i == 1] */
  formatRate: number;
  /** mean_i [count(phrase) == 1]; null when no phrase is set */
  catchphraseRate: number | null;
  /** mean_i hasReflection(response_i) */
  reflectionRate: number;
}

export interface EvalResult {
  questions: number;
  /** Greedy accuracy; null when the greedy pass is off. */
  greedyAccuracy: number | null;
  /** Sampled pass@1 = mean_q mean_j correct_qj; null when samples = 0. */
  passAt1: number | null;
  samples: number;
  greedy: PassStats | null;
  sampled: PassStats | null;
  /** Questions whose prompt does not fit the context (counted as wrong). */
  skippedTooLong: number;
  records: EvalRecord[];
}

interface Row {
  /** Question index in `items`. */
  q: number;
  item: TaskItem;
  prompt: number[];
  mode: EvalRecord['mode'];
  sample: number;
}

/** Evaluates `items`; deterministic for the same model, backend, items and options. */
/** Greedy-only evaluation settings of a run (the end-of-SFT check). */
export function greedyEvalOptions(config: RunConfig, batchSize = 64): EvaluateOptions {
  return {
    suffix: config.data.promptSuffix,
    maxNewTokens: config.eval.maxNewTokens,
    greedy: true,
    samples: 0,
    temperature: 0,
    seed: config.seed,
    batchSize,
    requireEos: config.reward.requireEos,
  };
}

/** The periodic held-out evaluation of a run: greedy, with the reward's catchphrase counted. */
export function heldOutEvalOptions(config: RunConfig): EvaluateOptions {
  return { ...greedyEvalOptions(config), catchphrase: config.reward.catchphrase || undefined };
}

export async function evaluate(
  model: CausalLM,
  tok: Tokenizer,
  items: readonly TaskItem[],
  o: EvaluateOptions,
): Promise<EvalResult> {
  if (o.batchSize < 1) throw new Error('evaluate: batchSize must be at least 1.');
  const prompts = items.map((it) => promptIds(tok, it, o.suffix));
  const fits = prompts.map((p) => p.length < model.config.context);
  const rows: Row[] = [];
  items.forEach((item, q) => {
    if (o.greedy) rows.push({ q, item, prompt: prompts[q], mode: 'greedy', sample: 0 });
    for (let j = 0; j < o.samples; j++)
      rows.push({ q, item, prompt: prompts[q], mode: 'sample', sample: j });
  });
  // Rows are graded in place so records keep item order (greedy first, then samples).
  const records: EvalRecord[] = new Array<EvalRecord>(rows.length);
  const index = new Map(rows.map((r, i) => [r, i]));
  let done = 0;
  rows.forEach((r, i) => {
    if (!fits[r.q]) {
      records[i] = emptyRecord(r);
      done++;
    }
  });
  const runnable = rows.filter((r) => fits[r.q]);
  for (const mode of ['greedy', 'sample'] as const) {
    const modeRows = runnable.filter((r) => r.mode === mode);
    for (let start = 0; start < modeRows.length; start += o.batchSize) {
      const batch = modeRows.slice(start, start + o.batchSize);
      const out = await sample(
        model,
        batch.map((r) => r.prompt),
        {
          maxNewTokens: o.maxNewTokens,
          temperature: mode === 'greedy' ? 0 : o.temperature,
          topP: o.topP ?? 1,
          seed: mixSeed(o.seed, mode === 'greedy' ? 0 : 1, start),
          eosId: tok.eosId,
          padId: tok.padId,
        },
      );
      batch.forEach((r, b) => {
        records[index.get(r)!] = gradeRow(r, tok, out.tokens[b], out.finished[b], o);
      });
      done += batch.length;
      o.onProgress?.(done, rows.length);
    }
  }
  const greedyRecs = records.filter((r) => r.mode === 'greedy');
  const sampledRecs = records.filter((r) => r.mode === 'sample');
  const phrase = o.catchphrase ?? '';
  return {
    questions: items.length,
    greedyAccuracy: o.greedy ? stats(greedyRecs, phrase).accuracy : null,
    passAt1: o.samples > 0 ? stats(sampledRecs, phrase).accuracy : null,
    samples: o.samples,
    greedy: o.greedy ? stats(greedyRecs, phrase) : null,
    sampled: o.samples > 0 ? stats(sampledRecs, phrase) : null,
    skippedTooLong: fits.filter((f) => !f).length,
    records,
  };
}

function gradeRow(
  r: Row,
  tok: Tokenizer,
  ids: number[],
  ended: boolean,
  o: EvaluateOptions,
): EvalRecord {
  const response = tok.decode(ids, { skipSpecial: true });
  const g = gradeResponse(r.item, response, { endedWithEos: ended });
  const requireEos = o.requireEos ?? true;
  return {
    id: r.item.id,
    mode: r.mode,
    sample: r.sample,
    answer: r.item.answer,
    response,
    tokens: ids.length,
    ended,
    extracted: g.extracted,
    // correct = answer matches && (ended || !requireEos)
    correct: g.correct && (ended || !requireEos),
    boxedCount: g.boxedCount,
    reflection: hasReflection(response),
    catchphraseCount: o.catchphrase ? catchphraseCount(response, o.catchphrase) : 0,
  };
}

function emptyRecord(r: Row): EvalRecord {
  return {
    id: r.item.id,
    mode: r.mode,
    sample: r.sample,
    answer: r.item.answer,
    response: '',
    tokens: 0,
    ended: false,
    extracted: null,
    correct: false,
    boxedCount: 0,
    reflection: false,
    catchphraseCount: 0,
    skipped: true,
  };
}

/** Aggregates one pass; every question contributes the same number of responses. */
export function stats(recs: readonly EvalRecord[], phrase: string): PassStats {
  const n = recs.length;
  const mean = (f: (r: EvalRecord) => number): number =>
    n === 0 ? 0 : recs.reduce((a, r) => a + f(r), 0) / n;
  return {
    responses: n,
    accuracy: mean((r) => (r.correct ? 1 : 0)),
    meanTokens: mean((r) => r.tokens),
    formatRate: mean((r) => (r.ended && r.boxedCount === 1 ? 1 : 0)),
    catchphraseRate: phrase ? mean((r) => (r.catchphraseCount === 1 ? 1 : 0)) : null,
    reflectionRate: mean((r) => (r.reflection ? 1 : 0)),
  };
}

/**
 * A greedy held-out evaluation as step metrics (the lab's charts and metrics rows):
 * eval/accuracy, eval/format_rate, eval/mean_length, eval/reflection_rate and, when measured,
 * eval/catchphrase_rate.
 */
export function evalStepMetrics(r: EvalResult): EvalMetrics {
  const g = r.greedy;
  if (!g) return {};
  const m: EvalMetrics = {
    'eval/accuracy': g.accuracy,
    'eval/format_rate': g.formatRate,
    'eval/mean_length': g.meanTokens,
    'eval/reflection_rate': g.reflectionRate,
  };
  if (g.catchphraseRate !== null) m['eval/catchphrase_rate'] = g.catchphraseRate;
  return m;
}
