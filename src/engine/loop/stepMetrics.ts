import type { RunConfig } from '../../contract/config';
import type { computeAdvantages } from '../rl/advantages';
import { countOccurrences } from '../tasks/rewards';
import { hasReflection } from '../eval/reflection';
import type { Rollout } from './rollout';
import type { Trajectory } from '../../contract/loopRecords';
import {
  rewardComponentMetric,
  teacherFailureMetric,
  type StepMetrics,
} from '../../contract/metrics';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

/** One step's metrics: TRL names where one exists (DESIGN.md), ThinkTuning's own namespaced. */
export function stepMetrics(a: {
  step: number;
  config: RunConfig;
  rollouts: Rollout[];
  adv: ReturnType<typeof computeAdvantages>;
  update: {
    metrics: Record<string, number>;
    gradNorm: number;
    skipped: number;
    updates: number;
    /** Backward passes the largest update took (rl.gradAccum, or more to fit WASM's heap). */
    microBatches: number;
    lr: number;
    trainTokens: number;
  } | null;
  trajectories: Trajectory[];
  timing: { tStart: number; tRollout: number; tTeacher: number; tScore: number; tUpdate: number };
  failures: Record<string, number>;
  schedule: { rate: number; active: boolean };
}): StepMetrics {
  const { rollouts, adv, update, timing: t, trajectories } = a;
  const rewards = rollouts.map((r) => r.reward.total);
  const guided = rollouts.filter((r) => r.guided);
  const own = rollouts.filter((r) => !r.guided);
  const lengths = trajectories.map((x) => x.tokens.length);
  const ownLengths = own.map((r) => r.ids.length);
  const rolloutTokens = rollouts.reduce((s, r) => s + r.ids.length, 0);
  const offTokens = trajectories.reduce(
    (s, x) => s + x.tokens.filter((k) => k.offPolicy).length,
    0,
  );
  const maskedTokens = trajectories.reduce(
    (s, x) => s + x.tokens.filter((k) => k.offPolicy && k.masked).length,
    0,
  );
  const allTokens = lengths.reduce((s, n) => s + n, 0);
  const phrase = a.config.reward.catchphrase;
  const sec = (ms: number) => ms / 1000;
  const m: StepMetrics = {
    step: a.step + 1,
    reward: mean(rewards),
    reward_std: std(rewards),
    frac_reward_zero_std: adv.zeroSpreadCount / Math.max(1, adv.groups.length),
    accuracy: mean(own.map((r) => (r.reward.grade.correct ? 1 : 0))),
    'completions/mean_length': mean(lengths),
    'completions/min_length': lengths.length ? Math.min(...lengths) : 0,
    'completions/max_length': lengths.length ? Math.max(...lengths) : 0,
    'completions/clipped_ratio': mean(rollouts.map((r) => (!r.guided && !r.finished ? 1 : 0))),
    'completions/unguided_mean_length': mean(ownLengths),
    'completions/guided_mean_length': mean(guided.map((r) => r.guided!.ids.length)),
    num_tokens: allTokens,
    learning_rate: update?.lr ?? 0,
    grad_norm: update?.gradNorm ?? 0,
    loss: update?.metrics['loss/total'] ?? 0,
    'clip_ratio/low_mean': update?.metrics['clip_ratio/low_mean'] ?? 0,
    'clip_ratio/high_mean': update?.metrics['clip_ratio/high_mean'] ?? 0,
    'clip_ratio/region_mean': update?.metrics['clip_ratio/region_mean'] ?? 0,
    'clip_ratio/dual_mean': update?.metrics['clip_ratio/dual_mean'] ?? 0,
    entropy: mean(
      trajectories.flatMap((x) => x.tokens.map((k) => k.entropy)).filter(Number.isFinite),
    ),
    kl: update?.metrics['kl/mean'] ?? 0,
    'update/skipped': update?.skipped ?? 0,
    'update/count': update?.updates ?? 0,
    'update/micro_batches': update?.microBatches ?? 0,
    'thinktuning/selection_rate': a.schedule.active ? a.schedule.rate : 0,
    'thinktuning/guided_count': guided.length,
    'thinktuning/guided_share': guided.length / Math.max(1, rollouts.length),
    'thinktuning/teacher_failures': Object.values(a.failures).reduce((s, n) => s + n, 0),
    'thinktuning/offpolicy_token_fraction': offTokens / Math.max(1, allTokens),
    'thinktuning/masked_token_fraction': maskedTokens / Math.max(1, offTokens),
    'thinktuning/guided_reward_mean': mean(guided.map((r) => r.reward.total)),
    'thinktuning/unguided_reward_mean': mean(own.map((r) => r.reward.total)),
    'behavior/catchphrase_rate_unguided': phrase
      ? mean(own.map((r) => (countOccurrences(r.text, phrase) === 1 ? 1 : 0)))
      : 0,
    'behavior/reflection_rate_unguided': mean(own.map((r) => (hasReflection(r.text) ? 1 : 0))),
    'timing/rollout_s': sec(t.tRollout - t.tStart),
    'timing/teacher_s': sec(t.tTeacher - t.tRollout),
    'timing/scoring_s': sec(t.tScore - t.tTeacher),
    'timing/update_s': sec(t.tUpdate - t.tScore),
    step_time: sec(t.tUpdate - t.tStart),
    'throughput/rollout_tokens_per_s': rolloutTokens / Math.max(1e-9, sec(t.tRollout - t.tStart)),
    'throughput/train_tokens_per_s': update
      ? (update.trainTokens * a.config.rl.epochs) / Math.max(1e-9, sec(t.tUpdate - t.tScore))
      : 0,
  };
  for (const [k, v] of Object.entries(a.failures)) m[teacherFailureMetric(k)] = v;
  const components = new Set(rollouts.flatMap((r) => Object.keys(r.reward.components)));
  for (const k of components)
    m[rewardComponentMetric(k)] = mean(rollouts.map((r) => r.reward.components[k] ?? 0));
  return m;
}
