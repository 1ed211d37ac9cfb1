/**
 * The exported rows read back as verl's RL dataset schema: every column's type and nesting, as
 * Arrow infers them from JSON (what `datasets` does in the job's conversion), identical on every
 * row of a file, for generated tasks, multiple choice and GSM8K.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REFERENCE_SUFFIX, type RunConfig } from '../../../contract/config';
import { loadItems } from '../../eval/sources';
import { presetConfig } from '../../../contract/presets';
import { buildVerlJob, type JobFile } from './job';
import { JOB_FILES } from './scripts';

const GSM8K = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../../shared/data/gsm8k',
);
const readText = async (p: string) => readFileSync(p, 'utf8');

/** The Arrow type `datasets`/pyarrow infers for a JSON value (object keys in order). */
function arrowType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'double';
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    const types = new Set(v.map(arrowType));
    if (types.size > 1) throw new Error(`mixed list ${[...types].join(' | ')}`);
    return `list<${[...types][0] ?? 'null'}>`;
  }
  const fields = Object.entries(v as Record<string, unknown>).map(
    ([k, x]) => `${k}: ${arrowType(x)}`,
  );
  return `struct<${fields.join(', ')}>`;
}

/** Column name -> Arrow type, the same on every row (throws naming the row otherwise). */
function columnTypes(file: JobFile): Record<string, string> {
  const rows = file.text.trimEnd().split('\n');
  let first: Record<string, string> | null = null;
  rows.forEach((line, i) => {
    const row = JSON.parse(line) as Record<string, unknown>;
    const types = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, arrowType(v)]));
    if (!first) first = types;
    else expect(types, `${file.path} row ${i + 1}`).toEqual(first);
  });
  return first!;
}

const MESSAGES = 'list<struct<role: string, content: string>>';
const REWARD = 'struct<style: string, ground_truth: string>';
const EXTRA =
  'split: string, index: int64, id: string, question: string, answer: string, solution: string';

async function job(c: RunConfig, name: string): Promise<Map<string, JobFile>> {
  const train = await loadItems(c.data, 'train', readText);
  const test = await loadItems(c.data, 'eval', readText);
  return new Map(
    buildVerlJob({ config: c, name, train: train.items, test: test.items }).map((f) => [f.path, f]),
  );
}

function gsm8kConfig(): RunConfig {
  const c = presetConfig('reference');
  c.data.gsm8kTrain = path.join(GSM8K, 'train.jsonl');
  c.data.gsm8kEval = path.join(GSM8K, 'test.jsonl');
  c.data.trainSize = 7473;
  return c;
}

describe('verl dataset rows', () => {
  it('generated tasks: every column has verl’s type and nesting', async () => {
    const c = presetConfig('lab');
    c.data.trainSize = 500;
    const files = await job(c, 'lab');
    for (const p of [JOB_FILES.train, JOB_FILES.test])
      expect(columnTypes(files.get(p)!)).toEqual({
        data_source: 'string',
        prompt: MESSAGES,
        ability: 'string',
        reward_model: REWARD,
        extra_info: `struct<${EXTRA}>`,
      });
    const row = JSON.parse(files.get(JOB_FILES.train)!.text.split('\n')[0]);
    expect(row.data_source).toBe('thinktuning-lab/generated');
    expect(row.prompt).toHaveLength(1);
    expect(row.prompt[0].role).toBe('user');
    // The lab preset has no suffix (its scratch student learned the format): the export adds it.
    expect(row.prompt[0].content).toBe(row.extra_info.question + REFERENCE_SUFFIX);
    expect(row.reward_model.style).toBe('rule');
    expect(row.reward_model.ground_truth).toBe(row.extra_info.answer);
    expect(files.get(JOB_FILES.train)!.text.trimEnd().split('\n')).toHaveLength(500);
    expect(files.get(JOB_FILES.test)!.text.trimEnd().split('\n')).toHaveLength(c.eval.size);
  });

  it('ThinkTuning rows add prompt_raw and the few-shot array (system + 4 pairs)', async () => {
    const c = presetConfig('unknown-behavior');
    c.data.trainSize = 3000;
    const files = await job(c, 'ub');
    const types = columnTypes(files.get(JOB_FILES.ttTrain)!);
    expect(types.extra_info).toBe(
      `struct<${EXTRA}, prompt_raw: string, system_prompt_few_shot_array: ${MESSAGES}>`,
    );
    expect(columnTypes(files.get(JOB_FILES.ttTest)!)).toEqual(types);
    const row = JSON.parse(files.get(JOB_FILES.ttTrain)!.text.split('\n')[0]);
    const shots = row.extra_info.system_prompt_few_shot_array as Array<{ role: string }>;
    expect(shots.map((m) => m.role)).toEqual([
      'system',
      ...Array.from({ length: 4 }, () => ['user', 'assistant']).flat(),
    ]);
    expect(JSON.stringify(shots)).toContain('Thalapathy Vijay'); // the run's catchphrase
    expect(row.extra_info.prompt_raw).toBe(row.extra_info.question);
    // rl.steps x B = 400 x 4 = 1600 rows of the 3000 (one pass; the few-shots repeat per row)
    expect(files.get(JOB_FILES.ttTrain)!.text.trimEnd().split('\n')).toHaveLength(1600);
  });

  it('multiple choice rows carry the choices (list<string>) for grading by letter', async () => {
    const c = presetConfig('lab');
    c.data.source = 'multiple-choice';
    c.data.trainSize = 50;
    const files = await job(c, 'mc');
    const types = columnTypes(files.get(JOB_FILES.train)!);
    expect(types.extra_info).toBe(`struct<${EXTRA}, choices: list<string>>`);
    const row = JSON.parse(files.get(JOB_FILES.train)!.text.split('\n')[0]);
    expect(row.reward_model.ground_truth).toMatch(/^[A-E]$/);
    expect(row.data_source).toBe('thinktuning-lab/multiple-choice');
  });

  it('GSM8K: every line of the shared files becomes a row with a string ground truth', async () => {
    const files = await job(gsm8kConfig(), 'gsm8k');
    expect(columnTypes(files.get(JOB_FILES.train)!)).toEqual({
      data_source: 'string',
      prompt: MESSAGES,
      ability: 'string',
      reward_model: REWARD,
      extra_info: `struct<${EXTRA}>`,
    });
    const rows = files
      .get(JOB_FILES.train)!
      .text.trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(7473);
    const source = readFileSync(path.join(GSM8K, 'train.jsonl'), 'utf8').trimEnd().split('\n');
    rows.forEach((r, i) => {
      const { question, answer } = JSON.parse(source[i]) as { question: string; answer: string };
      expect(r.data_source).toBe('openai/gsm8k');
      expect(r.extra_info.question).toBe(question);
      // verl's gsm8k.py: the number after "#### ", commas removed, as a string
      expect(r.reward_model.ground_truth).toBe(
        answer.split('####').pop()!.trim().replace(/,/g, ''),
      );
      expect(r.extra_info.index).toBe(i);
    });
    expect(files.get(JOB_FILES.test)!.text.trimEnd().split('\n')).toHaveLength(64); // eval.size
  });
});
