/**
 * Counterfactual replay (issue 19, part 2): what one group of a kept step would have computed
 * with different guidance, guided set or rewards, at that step's pre-update weights. Shared by
 * the page and the worker; types and pure helpers only (no tfjs).
 */
import type { LossBranch } from './explainer';

/** The fields of a kept trajectory the replay panel reads (the engine's Trajectory has them). */
export interface ReplayableTrajectory {
  index: number;
  guided: boolean;
  reward: number;
  guidance?: { reason: string; phrase: string };
}

/** One rollout's change. Omitted fields keep what the step had. */
export interface RolloutEdit {
  /** Rollout index within the group. */
  index: number;
  /** Guided or not. Turning guidance on needs `reason` and `phrase` (or the step's own). */
  guided?: boolean;
  /** The teacher's reason text (guided rollouts). */
  reason?: string;
  /** The teacher's phrase text (guided rollouts). */
  phrase?: string;
  /** A reward to use instead of the computed one. */
  reward?: number;
}

export interface CounterfactualRequest {
  /** The kept step (1-based, as the inspector numbers it). */
  step: number;
  /** Question index within the step. */
  group: number;
  edits: RolloutEdit[];
}

/** One token of a replayed rollout, at the step's pre-update weights. */
export interface CfToken {
  text: string;
  part: string;
  offPolicy: boolean;
  /** log pi at the pre-update weights (= the step's log pi_old). */
  logprob: number;
  /** exp(logprob - oldLogprob): 1 at the pre-update weights (the first update's view). */
  ratio: number;
  advantage: number;
  /** w with dL/dlogp = -A w. */
  weight: number;
  /** The token's loss term. */
  loss: number;
  /** d(group loss)/d logprob (tf.grad through the engine's loss). */
  gradLogp: number;
  branch: LossBranch;
}

export interface CfRollout {
  index: number;
  guided: boolean;
  response: string;
  reward: number;
  /** Where the reward came from: the step's record, the reward function, or the user. */
  rewardSource: 'recorded' | 'recomputed' | 'override';
  correct: boolean | null;
  advantage: number;
  /** Sum of the rollout's tokens' contributions to the group's aggregated loss. */
  loss: number;
  tokens: CfToken[];
}

/** One side of the comparison: the step as it was, or as edited. */
export interface CfSide {
  rollouts: CfRollout[];
  groupMean: number;
  groupStd: number;
  /** The group's loss (the run's aggregation over the group's tokens alone). */
  groupLoss: number;
}

export interface CounterfactualResult {
  step: number;
  group: number;
  original: CfSide;
  counterfactual: CfSide;
  /** How the pre-update weights were obtained (see docs/teaching.md). */
  weights: 'kept-in-memory';
  /** Steps whose pre-update weights the worker holds, and the memory they take. */
  keptSteps: number[];
  keptBytes: number;
  budgetBytes: number;
  /** What the replay left out or approximated. */
  notes: string[];
}

/** A = (r - mean) / (std + eps) etc., as the engine's estimators (rl/advantages.ts), in float64. */
export function expectedAdvantages(
  rewards: readonly number[],
  mode: 'group-std' | 'group-mean' | 'batch-std',
  epsilon: number,
  batchStd?: number,
): number[] {
  const n = rewards.length;
  const mean = rewards.reduce((a, b) => a + b, 0) / n;
  if (rewards.every((r) => r === rewards[0])) return rewards.map(() => 0); // zero spread
  const std = n < 2 ? 0 : Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1));
  if (mode === 'group-mean') return rewards.map((r) => r - mean); // A = r - mean
  const div = (mode === 'batch-std' ? (batchStd ?? std) : std) + epsilon;
  return rewards.map((r) => (r - mean) / div); // A = (r - mean) / (std + eps)
}
