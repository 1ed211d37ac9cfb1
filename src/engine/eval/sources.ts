/**
 * Item sources for training and evaluation, from `config.data`. Generated and multiple-choice
 * items are built in-process; GSM8K text comes through an injected `readText` (fetch in the
 * browser, a file read in Node). Malformed lines are skipped and listed in `warnings`.
 */
import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import type { RunConfig } from '../../contract/config';
import { questionText, solutionText, type SolutionOptions } from '../sft/examples';
import { generateProblems, type GenerateOptions, type Split } from '../tasks/generated';
import { parseGsm8k } from '../tasks/gsm8k';
import { generateMultipleChoice } from '../tasks/multipleChoice';
import type { TaskItem } from '../tasks/types';
import { trainTokenizer, type Tokenizer } from '../tokenizer';

/** Reads a path or URL as text. */
export type ReadText = (pathOrUrl: string) => Promise<string>;

export interface LoadedItems {
  items: TaskItem[];
  /** One line per skipped input line or shortfall, e.g. "test.jsonl line 3: invalid JSON". */
  warnings: string[];
}

/**
 * Fixed generator seeds per split: the items depend only on `config.data`, so every run of a
 * config trains and evaluates on the same questions (the split itself is hash-based).
 */
export const SPLIT_SEEDS: Readonly<Record<Split, number>> = { train: 1, eval: 2 };

const MAX_WARNINGS = 20;

/** Items of one split: trainSize for 'train', evalSize for 'eval'. */
export async function loadItems(
  data: RunConfig['data'],
  split: Split,
  readText?: ReadText,
): Promise<LoadedItems> {
  const count = split === 'train' ? data.trainSize : data.evalSize;
  if (data.source === 'gsm8k') return loadGsm8k(data, split, count, readText);
  const options: GenerateOptions = {
    seed: SPLIT_SEEDS[split],
    count,
    levels: data.levels,
    split,
    ...(data.domains ? { domains: data.domains } : {}),
    ...(data.workedDetail ? { workedDetail: data.workedDetail } : {}),
  };
  const items =
    data.source === 'multiple-choice' ? generateMultipleChoice(options) : generateProblems(options);
  return { items, warnings: [] };
}

async function loadGsm8k(
  data: RunConfig['data'],
  split: Split,
  count: number,
  readText?: ReadText,
): Promise<LoadedItems> {
  const key = split === 'train' ? 'gsm8kTrain' : 'gsm8kEval';
  const path = data[key];
  if (!path) {
    throw new Error(
      `data.source is gsm8k but data.${key} is empty; set it to a GSM8K JSONL path or URL (--set data.${key}=...).`,
    );
  }
  if (!readText) throw new Error(`No reader was given for GSM8K data (${path}).`);
  const text = await readText(path);
  const { items, errors } = parseGsm8k(text, split === 'train' ? 'train' : 'test');
  const warnings = errors.slice(0, MAX_WARNINGS).map((e) => `${path} line ${e.line}: ${e.message}`);
  if (errors.length > MAX_WARNINGS)
    warnings.push(`${path}: ... and ${errors.length - MAX_WARNINGS} more malformed lines`);
  if (items.length < count)
    warnings.push(`${path}: ${items.length} usable items, fewer than the ${count} asked for`);
  if (items.length === 0) throw new Error(`${path}: no usable GSM8K items.`);
  return { items: items.slice(0, count), warnings };
}

/** Printable ASCII: always in a char vocabulary, so teacher text never hits <|unk|>. */
const PRINTABLE =
  Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + '\n\t';

/** Text a tokenizer is trained on: printable ASCII, every question (with suffix) and its solution. */
export function tokenizerCorpus(
  items: readonly TaskItem[],
  suffix: string,
  solution: SolutionOptions = {},
): string {
  const texts = items.map((it) => `${questionText(it, suffix)}\n${solutionText(it, solution)}`);
  return [PRINTABLE, ...texts].join('\n');
}

/** A char or BPE tokenizer (config.tokenizer) trained on the training items. */
export function buildTokenizer(
  config: Pick<RunConfig, 'tokenizer' | 'data'> & Partial<Pick<RunConfig, 'sft' | 'seed'>>,
  items: readonly TaskItem[],
): Tokenizer {
  // The warm-up's self-check paragraphs are part of the corpus, so their words get merges too.
  const solution = {
    selfCheckRate: config.sft?.selfCheckRate ?? OPTIONAL_DEFAULTS.sft.selfCheckRate,
    seed: config.seed ?? 0,
  };
  const corpus = tokenizerCorpus(items, config.data.promptSuffix, solution);
  return trainTokenizer(config.tokenizer.kind, corpus, {
    vocabSize: config.tokenizer.vocabSize,
    splitDigits: config.tokenizer.splitDigits ?? OPTIONAL_DEFAULTS.tokenizer.splitDigits,
  });
}

/**
 * The held-out questions of a run's periodic evaluation: the first eval.size of the eval split,
 * or none with the reason when rl.evalEvery is 0 or the split cannot be loaded (e.g. GSM8K
 * without data.gsm8kEval); loading warnings are passed on.
 */
export async function heldOutItems(
  config: Pick<RunConfig, 'data' | 'eval' | 'rl'>,
  readText?: ReadText,
): Promise<{ items: TaskItem[]; warnings: string[] }> {
  if (config.rl.evalEvery <= 0) return { items: [], warnings: [] };
  try {
    const held = await loadItems(config.data, 'eval', readText);
    return { items: held.items.slice(0, config.eval.size), warnings: held.warnings };
  } catch (e) {
    return { items: [], warnings: [`no held-out evaluation: ${(e as Error).message}`] };
  }
}
