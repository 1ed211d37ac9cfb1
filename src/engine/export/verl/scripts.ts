/**
 * run_grpo.sh (current verl, `verl.trainer.main_ppo`) and run_thinktuning.sh (the ThinkTuning
 * fork's `recipe.thinktuning.main_thinktuning`): the mapped settings plus the job's plumbing
 * (data files, model path, GPUs, reward function, rollout dumps), each a Hydra override.
 */
import type { RunConfig } from '../../../contract/config';
import { overrideWord, shell, type VerlOverride } from './hydra';
import {
  hubRepoId,
  mappedOverrides,
  miniBatchPrompts,
  verlMapping,
  type MappingContext,
} from './mapping';

/** The folder's file names, shared by the scripts, MAPPING.md and the tests. */
export const JOB_FILES = {
  train: 'data/train.jsonl',
  test: 'data/test.jsonl',
  ttTrain: 'data/thinktuning/train.jsonl',
  ttTest: 'data/thinktuning/test.jsonl',
  reward: 'lab_reward.py',
  grpo: 'run_grpo.sh',
  thinktuning: 'run_thinktuning.sh',
  mapping: 'MAPPING.md',
  config: 'lab_config.json',
} as const;

/** Teacher prompt budget of the recipe's script (system prompt + four few-shots + the rollout). */
export const TEACHER_PROMPT_TOKENS = 3072;

/** Largest divisor of n that is at most cap: a micro-batch that splits the mini-batch evenly. */
export function largestDivisorAtMost(n: number, cap: number): number {
  for (let d = Math.min(n, cap); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/** Experiment names as a plain word: letters, digits, '-', '_', '.'. */
export function experimentName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'lab-run';
}

/** Options for the scripts. */
export interface ScriptOptions {
  /** Run name: the experiment name and the comments. */
  name: string;
  trainRows: number;
  evalRows: number;
  /** ThinkTuning train file rows (a cut of the train rows, see job.ts). */
  ttTrainRows: number;
}

/** Overrides every job needs beyond the mapped settings. */
function plumbing(o: ScriptOptions, thinktuning: boolean): VerlOverride[] {
  const data = thinktuning ? '$HERE/data/thinktuning' : '$HERE/data';
  const out: VerlOverride[] = [
    { key: 'data.train_files', value: shell(`${data}/train.parquet`) },
    { key: 'data.val_files', value: shell(`${data}/test.parquet`) },
    { key: 'data.max_prompt_length', value: shell('$MAX_PROMPT_LENGTH') },
    { key: 'data.filter_overlong_prompts', value: true },
    { key: 'data.truncation', value: 'error' },
    { key: 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu', value: shell('$MICRO_BATCH') },
    {
      key: 'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu',
      value: shell('$MICRO_BATCH'),
    },
    {
      key: 'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu',
      value: shell('$MICRO_BATCH'),
    },
    { key: 'actor_rollout_ref.rollout.name', value: 'vllm' },
    { key: 'actor_rollout_ref.rollout.tensor_model_parallel_size', value: 1 },
    { key: 'actor_rollout_ref.rollout.gpu_memory_utilization', value: 0.5 },
    { key: 'custom_reward_function.path', value: shell(`$HERE/${JOB_FILES.reward}`) },
    { key: 'custom_reward_function.name', value: 'compute_score' },
    { key: 'trainer.logger', value: ['console'] },
    { key: 'trainer.project_name', value: 'thinktuning-lab' },
    {
      key: 'trainer.experiment_name',
      value: `${experimentName(o.name)}${thinktuning ? '-thinktuning' : '-grpo'}`,
    },
    { key: 'trainer.n_gpus_per_node', value: shell('$N_GPUS') },
    { key: 'trainer.nnodes', value: 1 },
    { key: 'trainer.rollout_data_dir', value: shell('$OUT_DIR/rollouts') },
    { key: 'trainer.validation_data_dir', value: shell('$OUT_DIR/validation') },
    { key: 'trainer.default_local_dir', value: shell('$OUT_DIR/checkpoints') },
  ];
  if (thinktuning) {
    out.push({
      key: 'data.max_prompt_length_teacher',
      value: TEACHER_PROMPT_TOKENS,
      add: true,
    });
  }
  return out;
}

/** Everything one script sets, plumbing first; a key set twice throws. */
export function scriptOverrides(
  c: RunConfig,
  o: ScriptOptions,
  thinktuning: boolean,
): VerlOverride[] {
  const ctx: MappingContext = {
    target: thinktuning ? 'thinktuning' : 'verl',
    trainRows: thinktuning ? o.ttTrainRows : o.trainRows,
    evalRows: o.evalRows,
  };
  const all = [...plumbing(o, thinktuning), ...mappedOverrides(verlMapping(c, ctx))];
  const seen = new Set<string>();
  for (const ov of all) {
    if (seen.has(ov.key)) throw new Error(`verl key ${ov.key} is set twice.`);
    seen.add(ov.key);
  }
  return all;
}

/** The default of MODEL_PATH: the pretrained student's Hub id, else none (must be set). */
function modelDefault(c: RunConfig): string | null {
  if (c.student.source !== 'hf' || !c.student.hf) return null;
  return hubRepoId(c.student.hf) ?? (/^https?:/.test(c.student.hf) ? null : c.student.hf);
}

const CONVERT = (dir: string) =>
  `python3 -c "import datasets as d; [d.load_dataset('json', data_files='${dir}/'+s+'.jsonl', split='train').to_parquet('${dir}/'+s+'.parquet') for s in ('train', 'test')]"`;

function header(c: RunConfig, o: ScriptOptions, title: string[]): string[] {
  const model = modelDefault(c);
  const micro = largestDivisorAtMost(miniBatchPrompts(c) * c.rl.groupSize, 8);
  return [
    '#!/usr/bin/env bash',
    ...title.map((l) => `# ${l}`),
    '# Generated by ThinkTuning Lab (npm run lab -- export-verl). MAPPING.md lists every setting.',
    'set -euo pipefail',
    'HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"',
    model
      ? `MODEL_PATH="\${MODEL_PATH:-${model}}"   # a Hugging Face model id or folder`
      : ': "${MODEL_PATH:?set MODEL_PATH to a Hugging Face instruct model (id or folder): the lab\'s scratch student has no verl counterpart}"',
    'N_GPUS="${N_GPUS:-1}"',
    `MICRO_BATCH="\${MICRO_BATCH:-${micro}}"   # rows per GPU forward pass; must divide ${miniBatchPrompts(c)} prompts x ${c.rl.groupSize} / N_GPUS`,
    'MAX_PROMPT_LENGTH="${MAX_PROMPT_LENGTH:-512}"   # tokens; longer prompts are filtered out',
    'OUT_DIR="${OUT_DIR:-$HERE/outputs}"   # rollout dumps (open them in the lab) and checkpoints',
    `# ${o.name}: ${c.rl.steps} steps x ${c.rl.questionsPerStep} questions x ${c.rl.groupSize} rollouts`,
  ];
}

function command(entry: string, overrides: readonly VerlOverride[]): string[] {
  const words = overrides.map((ov) => `  ${overrideWord(ov)} \\`);
  return [`python3 -m ${entry} \\`, ...words, '  "$@"'];
}

/** run_grpo.sh: the run as GRPO on current verl. */
export function grpoScript(c: RunConfig, o: ScriptOptions): string {
  return [
    ...header(c, o, [
      'GRPO on current verl (python3 -m verl.trainer.main_ppo); needs verl, vLLM and a GPU.',
      'Extra Hydra overrides after the script name are passed on, e.g. trainer.n_gpus_per_node=8.',
    ]),
    '',
    '# 1. The rows are JSON Lines; verl reads parquet. `datasets` comes with verl.',
    CONVERT('$HERE/data'),
    '',
    '# 2. Train.',
    ...command('verl.trainer.main_ppo', scriptOverrides(c, o, false)),
    '',
  ].join('\n');
}

/** run_thinktuning.sh: the same run with the ThinkTuning recipe, on the fork's bundled verl. */
export function thinkTuningScript(c: RunConfig, o: ScriptOptions): string {
  return [
    ...header(c, o, [
      'The same run with the ThinkTuning recipe (3rdAT/ThinkTuning, recipe/thinktuning).',
      'The recipe targets its OWN bundled verl (about v0.4: rollout.mode sync, no policy_loss block);',
      'it does not run on current verl. Run this from anywhere with THINKTUNING_VERL_DIR pointing at',
      "the fork's verl/ folder (where `recipe` imports). The recipe's code is unreleased: check its",
      'wiring (VERL.md notes that its shaped loss may never have been called) before trusting results.',
    ]),
    ': "${THINKTUNING_VERL_DIR:?set THINKTUNING_VERL_DIR to the ThinkTuning fork\'s verl/ folder}"',
    'TEACHER_MODEL_PATH="${TEACHER_MODEL_PATH:-$MODEL_PATH}"   # the paper uses the student itself',
    '',
    '# 1. JSON Lines -> parquet (the fork reads parquet only). extra_info carries prompt_raw and the',
    "#    teacher's system prompt + few-shots (system_prompt_few_shot_array), as the recipe expects.",
    CONVERT('$HERE/data/thinktuning'),
    '',
    '# 2. Train, from the fork so that `recipe` imports.',
    'cd "$THINKTUNING_VERL_DIR"',
    ...command('recipe.thinktuning.main_thinktuning', scriptOverrides(c, o, true)),
    '',
  ].join('\n');
}
