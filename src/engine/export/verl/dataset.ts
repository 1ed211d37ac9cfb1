/**
 * A run's tasks in verl's RL dataset schema (examples/data_preprocess/gsm8k.py): one row per
 * question with `data_source`, `prompt` (a list of {role, content} messages), `ability`,
 * `reward_model.{style, ground_truth}` and `extra_info`. Written as JSON Lines; the job turns them
 * into parquet with `datasets` first (see job.ts for why). Every row of one file has the same keys
 * and types, so Arrow infers one struct type per column.
 */
import { REFERENCE_SUFFIX, type RunConfig } from '../../../contract/config';
import type { TaskItem } from '../../tasks/types';
import type { ChatMessage } from '../../teacher/prompt';

/** One chat message in `prompt` (Arrow: struct<role: string, content: string>). */
export interface VerlMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** `extra_info`: the lab's item fields; the recipe's teacher fields when `teacher` is given. */
export interface VerlExtraInfo {
  split: 'train' | 'test';
  /** Row number in its file (int64). */
  index: number;
  /** The lab's item id, e.g. "gsm8k-test-17". */
  id: string;
  /** The question without suffix. */
  question: string;
  /** The ground-truth answer (as reward_model.ground_truth). */
  answer: string;
  /** Worked solution steps joined by newlines ("" when the item has none). */
  solution: string;
  /** Multiple-choice options (only in multiple-choice exports; the scorer grades by letter). */
  choices?: string[];
  /** ThinkTuning recipe: the student question for the teacher's user turn. */
  prompt_raw?: string;
  /** ThinkTuning recipe: the teacher's system prompt and few-shot pairs. */
  system_prompt_few_shot_array?: VerlMessage[];
}

/** One row of train.jsonl / test.jsonl. */
export interface VerlRow {
  data_source: string;
  prompt: VerlMessage[];
  ability: string;
  reward_model: { style: 'rule'; ground_truth: string };
  extra_info: VerlExtraInfo;
}

/** verl's data_source for a lab data source (GSM8K keeps verl's own name). */
export function dataSourceName(source: RunConfig['data']['source']): string {
  return source === 'gsm8k' ? 'openai/gsm8k' : `thinktuning-lab/${source}`;
}

/** The suffix the export appends: the run's, or the reference one when the run has none. */
export function exportSuffix(c: RunConfig): string {
  return c.data.promptSuffix || REFERENCE_SUFFIX;
}

/** Options for verlRows. */
export interface VerlRowOptions {
  split: 'train' | 'test';
  /** Teacher system prompt + few-shot pairs for the ThinkTuning recipe's extra_info. */
  teacher?: readonly ChatMessage[];
}

/** The rows of one split, in item order; `index` is the row number. */
export function verlRows(
  c: RunConfig,
  items: readonly TaskItem[],
  options: VerlRowOptions,
): VerlRow[] {
  const source = dataSourceName(c.data.source);
  const suffix = exportSuffix(c);
  const mc = c.data.source === 'multiple-choice';
  return items.map((item, index) => {
    const extra: VerlExtraInfo = {
      split: options.split,
      index,
      id: item.id,
      question: item.prompt,
      answer: item.answer,
      solution: (item.steps ?? []).join('\n'),
    };
    if (mc) extra.choices = [...(item.choices ?? [])];
    if (options.teacher) {
      extra.prompt_raw = item.prompt;
      extra.system_prompt_few_shot_array = options.teacher.map((m) => ({
        role: m.role,
        content: m.content,
      }));
    }
    return {
      data_source: source,
      prompt: [{ role: 'user', content: item.prompt + suffix }],
      ability: 'math',
      reward_model: { style: 'rule', ground_truth: item.answer },
      extra_info: extra,
    };
  });
}

/** Rows as JSON Lines (one object per line, a newline after the last). */
export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}
