/**
 * A run exported as a verl job: the files of the folder, as text, from a config and its tasks.
 * Pure (no file system, no tfjs): the CLI writes the files, the page zips them.
 *
 * Data format decision: JSON Lines plus a one-line conversion to parquet in the job, not parquet
 * written here. verl's preprocessing writes parquet with `datasets`, and the same library in the
 * job infers the same Arrow types from JSON (struct and list<struct> included), on current verl
 * and on the ThinkTuning fork alike; no npm parquet writer was verified for `list<struct>` columns
 * read by Arrow, and verl rejects a `.jsonl` path.
 */
import type { RunConfig } from '../../../contract/config';
import { redactSecrets } from '../../../contract/redact';
import type { TaskItem } from '../../tasks/types';
import { buildMessages } from '../../teacher/prompt';
import { defaultPromptConfig } from '../../../contract/teacherPrompt';
import { toJsonl, verlRows } from './dataset';
import { mappingMarkdown } from './mappingDoc';
import { rewardConstants, rewardPythonSource } from './rewardPy';
import { grpoScript, JOB_FILES, thinkTuningScript, type ScriptOptions } from './scripts';

/** One file of the folder. */
export interface JobFile {
  /** Path inside the folder, '/'-separated. */
  path: string;
  text: string;
  /** Shell scripts are executable. */
  executable?: boolean;
}

/** What export needs: the config, a name, and the run's tasks per split. */
export interface VerlJobInput {
  config: RunConfig;
  name: string;
  train: readonly TaskItem[];
  /** Held-out items; cut to eval.size. */
  test: readonly TaskItem[];
}

/** The teacher's system prompt and few-shot pairs, as the recipe reads them from extra_info. */
export function teacherFewShotMessages(c: RunConfig) {
  const messages = buildMessages(defaultPromptConfig(c.reward.catchphrase || undefined), '', '');
  return messages.slice(0, -1); // the last user turn is the rollout, filled in by the recipe
}

/** Rows the ThinkTuning train file holds: rl.steps × B (one pass), at most all train rows. */
export function thinkTuningTrainRows(c: RunConfig, trainRows: number): number {
  return Math.max(1, Math.min(trainRows, c.rl.steps * c.rl.questionsPerStep));
}

/** Every file of the job folder. */
export function buildVerlJob(input: VerlJobInput): JobFile[] {
  const c = input.config;
  if (input.train.length === 0) throw new Error('No training questions to export.');
  const test = input.test.slice(0, c.eval.size);
  if (test.length === 0) throw new Error('No held-out questions to export (data.evalSize is 0?).');
  const teacher = teacherFewShotMessages(c);
  const ttTrain = input.train.slice(0, thinkTuningTrainRows(c, input.train.length));
  const o: ScriptOptions = {
    name: input.name,
    trainRows: input.train.length,
    evalRows: test.length,
    ttTrainRows: ttTrain.length,
  };
  return [
    { path: JOB_FILES.train, text: toJsonl(verlRows(c, input.train, { split: 'train' })) },
    { path: JOB_FILES.test, text: toJsonl(verlRows(c, test, { split: 'test' })) },
    { path: JOB_FILES.ttTrain, text: toJsonl(verlRows(c, ttTrain, { split: 'train', teacher })) },
    { path: JOB_FILES.ttTest, text: toJsonl(verlRows(c, test, { split: 'test', teacher })) },
    { path: JOB_FILES.reward, text: rewardPythonSource(rewardConstants(c)) },
    { path: JOB_FILES.grpo, text: grpoScript(c, o), executable: true },
    { path: JOB_FILES.thinktuning, text: thinkTuningScript(c, o), executable: true },
    { path: JOB_FILES.mapping, text: mappingMarkdown(c, o) },
    { path: JOB_FILES.config, text: `${JSON.stringify(redactSecrets(c), null, 2)}\n` },
  ];
}
