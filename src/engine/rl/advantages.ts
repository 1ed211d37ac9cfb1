/**
 * Group-relative advantages from scalar outcome rewards (GRPO, arXiv 2402.03300; Dr. GRPO,
 * arXiv 2503.20783). Plain numbers in, plain numbers out: the trainer broadcasts A_i to every
 * token of response i.
 *
 * Layout: `rewards` has length B*G, grouped consecutively by question
 * (rewards[g*G .. g*G+G-1] are the G responses to question g, guided members included).
 *
 * Conventions (stated once, tested):
 * - std is the UNBIASED sample std (divide by n-1), as torch.std in verl's
 *   `compute_grpo_outcome_advantage`.
 * - A group whose rewards are all exactly equal is "zero-spread": it carries no learning signal,
 *   its advantages are exactly 0 and it is reported (and optionally marked for dropping).
 * - A single-member group is zero-spread by definition (it has no baseline), so A = 0. verl
 *   instead uses mean 0 / std 1 there (A = r); we do not reproduce that.
 */
import { lookupVariant } from './registry';

/** Names of the advantage estimators. */
export type AdvantageMode = 'group-std' | 'group-mean' | 'batch-std';

/** Settings for {@link computeAdvantages}. */
export interface AdvantageConfig {
  /** Which estimator (see ADVANTAGE_ESTIMATORS). Reference: 'group-std'. */
  mode: AdvantageMode;
  /** Added to the std before dividing. Reference: 1e-6. */
  epsilon: number;
  /** Mark members of zero-spread groups with keep=false so the trainer can drop them. */
  skipZeroSpread: boolean;
}

export const DEFAULT_ADVANTAGE_CONFIG: AdvantageConfig = {
  mode: 'group-std',
  epsilon: 1e-6,
  skipZeroSpread: false,
};

/** Per-group reward statistics. */
export interface GroupRewardStats {
  /** Mean reward of the group. */
  mean: number;
  /** Unbiased std of the group's rewards (0 for a single-member group). */
  std: number;
  /** All rewards exactly equal (includes single-member groups). */
  zeroSpread: boolean;
}

/** Output of {@link computeAdvantages}. */
export interface AdvantageResult {
  /** [B*G] advantage per response (0 for members of zero-spread groups). */
  advantages: number[];
  /** [B] statistics per group. */
  groups: GroupRewardStats[];
  /** Indices (0..B-1) of zero-spread groups. */
  zeroSpreadGroups: number[];
  /** zeroSpreadGroups.length. */
  zeroSpreadCount: number;
  /** [B*G] false for members of zero-spread groups when skipZeroSpread is on; else all true. */
  keep: boolean[];
}

/** Context an estimator may use besides its own group. */
export interface AdvantageContext {
  /** Unbiased std over every reward of the batch (0 when the batch has one reward). */
  batchStd: number;
  epsilon: number;
}

/** An estimator maps one group's rewards and stats to that group's advantages. */
export type AdvantageEstimator = (
  rewards: readonly number[],
  stats: GroupRewardStats,
  ctx: AdvantageContext,
) => number[];

export const ADVANTAGE_ESTIMATORS: Record<AdvantageMode, AdvantageEstimator> = {
  // A_i = (r_i - mean_g) / (std_g + eps)          (GRPO, arXiv 2402.03300; std unbiased)
  'group-std': (rewards, s, ctx) => rewards.map((r) => (r - s.mean) / (s.std + ctx.epsilon)),
  // A_i = r_i - mean_g                            (Dr. GRPO, arXiv 2503.20783: no std scaling)
  'group-mean': (rewards, s) => rewards.map((r) => r - s.mean),
  // A_i = (r_i - mean_g) / (std_batch + eps)      (batch-level scaling, TRL scale_rewards="batch")
  'batch-std': (rewards, s, ctx) => rewards.map((r) => (r - s.mean) / (ctx.batchStd + ctx.epsilon)),
};

/** Mean of a non-empty list. */
function mean(xs: readonly number[]): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Unbiased sample std: sqrt(sum (x - mean)^2 / (n - 1)); 0 when n < 2. */
export function unbiasedStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/** Statistics of one group. */
export function groupRewardStats(rewards: readonly number[]): GroupRewardStats {
  return {
    mean: mean(rewards),
    std: unbiasedStd(rewards),
    zeroSpread: rewards.every((r) => r === rewards[0]),
  };
}

/**
 * Advantages for B groups of `groupSize` consecutive rewards.
 * @param rewards [B*G] scalar reward per response, grouped consecutively by question.
 * @param groupSize G, responses per question (>= 1).
 */
export function computeAdvantages(
  rewards: readonly number[],
  groupSize: number,
  config: AdvantageConfig,
): AdvantageResult {
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    throw new Error(`groupSize must be a positive integer, got ${groupSize}`);
  }
  if (rewards.length % groupSize !== 0) {
    throw new Error(`rewards length ${rewards.length} is not a multiple of groupSize ${groupSize}`);
  }
  if (rewards.some((r) => !Number.isFinite(r))) {
    throw new Error('rewards must be finite numbers');
  }
  const estimator = lookupVariant(ADVANTAGE_ESTIMATORS, 'advantage mode', config.mode);
  const ctx: AdvantageContext = { batchStd: unbiasedStd(rewards), epsilon: config.epsilon };

  const advantages: number[] = [];
  const groups: GroupRewardStats[] = [];
  const zeroSpreadGroups: number[] = [];
  const keep: boolean[] = [];
  for (let start = 0, g = 0; start < rewards.length; start += groupSize, g++) {
    const groupRewards = rewards.slice(start, start + groupSize);
    const stats = groupRewardStats(groupRewards);
    groups.push(stats);
    if (stats.zeroSpread) zeroSpreadGroups.push(g);
    // Zero-spread groups get exact zeros (no 1e-17 residue from the mean).
    const groupAdv = stats.zeroSpread
      ? groupRewards.map(() => 0)
      : estimator(groupRewards, stats, ctx);
    for (const a of groupAdv) {
      advantages.push(a);
      keep.push(!(config.skipZeroSpread && stats.zeroSpread));
    }
  }
  return { advantages, groups, zeroSpreadGroups, zeroSpreadCount: zeroSpreadGroups.length, keep };
}
