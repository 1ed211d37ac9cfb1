/**
 * The names of a metrics row (metrics.jsonl, the charts, the CLI's progress lines): TRL's names
 * where one exists, ThinkTuning's own under thinktuning/. A typo in a name fails to compile.
 */
import type { TeacherFailureKind } from './teacher';

/** One RL step's row (engine/loop/stepMetrics.ts, stepGuards.ts). */
export const RL_STEP_METRIC_NAMES = [
  'step',
  'reward',
  'reward_std',
  'frac_reward_zero_std',
  'accuracy',
  'completions/mean_length',
  'completions/min_length',
  'completions/max_length',
  'completions/clipped_ratio',
  'completions/unguided_mean_length',
  'completions/guided_mean_length',
  'num_tokens',
  'learning_rate',
  'grad_norm',
  'loss',
  'clip_ratio/low_mean',
  'clip_ratio/high_mean',
  'clip_ratio/region_mean',
  'clip_ratio/dual_mean',
  'entropy',
  'kl',
  'update/skipped',
  'update/count',
  'update/micro_batches',
  'thinktuning/selection_rate',
  'thinktuning/guided_count',
  'thinktuning/guided_share',
  'thinktuning/teacher_failures',
  'thinktuning/offpolicy_token_fraction',
  'thinktuning/masked_token_fraction',
  'thinktuning/guided_reward_mean',
  'thinktuning/unguided_reward_mean',
  'thinktuning/teacher_circuit_open',
  'thinktuning/teacher_skipped',
  'behavior/catchphrase_rate_unguided',
  'behavior/reflection_rate_unguided',
  'timing/rollout_s',
  'timing/teacher_s',
  'timing/scoring_s',
  'timing/update_s',
  'step_time',
  'throughput/rollout_tokens_per_s',
  'throughput/train_tokens_per_s',
  'numerics/nonfinite_skipped',
  'numerics/weights_restored',
  'numerics/nonfinite_streak',
  'data/skipped_too_long',
] as const;

/** A greedy held-out evaluation merged into a row (engine/eval/evaluate.ts evalStepMetrics). */
export const EVAL_METRIC_NAMES = [
  'eval/accuracy',
  'eval/format_rate',
  'eval/mean_length',
  'eval/reflection_rate',
  'eval/catchphrase_rate',
] as const;

/** One STaR iteration's row in the comparison (engine/sft/star.ts). */
export const STAR_METRIC_NAMES = [
  'star/iteration',
  'star/samples',
  'star/kept',
  'star/duplicates',
  'star/questions_solved',
  'star/updates',
] as const;

export type RlStepMetricName = (typeof RL_STEP_METRIC_NAMES)[number];
export type EvalMetricName = (typeof EVAL_METRIC_NAMES)[number];
export type StarMetricName = (typeof STAR_METRIC_NAMES)[number];
/** Failed teacher calls of the step, by kind (a TeacherFailureKind). */
export type TeacherFailureMetricName = `thinktuning/teacher_failures/${string}`;
/** The mean of one reward component (format, length, catchphrase...) over the step's rollouts. */
export type RewardComponentMetricName = `rewards/${string}/mean`;

export type MetricName =
  | RlStepMetricName
  | EvalMetricName
  | StarMetricName
  | TeacherFailureMetricName
  | RewardComponentMetricName;

/** One metrics row: its step (from 1) and any other names, each a number (a row holds the ones its producer sets). */
export type StepMetrics = { step: number } & { [K in Exclude<MetricName, 'step'>]?: number };

/** A greedy evaluation's part of a row. */
export type EvalMetrics = { [K in EvalMetricName]?: number };

/** The metric name of teacher failures of one kind. */
export function teacherFailureMetric(kind: TeacherFailureKind | string): TeacherFailureMetricName {
  return `thinktuning/teacher_failures/${kind}`;
}

/** The metric name of a reward component's mean. */
export function rewardComponentMetric(component: string): RewardComponentMetricName {
  return `rewards/${component}/mean`;
}
