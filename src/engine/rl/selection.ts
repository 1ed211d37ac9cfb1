/**
 * Which rollouts the teacher reads (ThinkTuning step 3).
 *
 * Per question: eligible = finished rollouts (ended with EOS, not truncated);
 * k = max(1, floor(eligible * rate)), or 0 when nothing is eligible or the teacher is off.
 */
import { lookupVariant } from './registry';
import { type Rng, shuffled } from '../random';

/** What selection needs to know about one rollout. */
export interface SelectionCandidate {
  /** Ended with EOS (not truncated at the length limit). */
  finished: boolean;
  /** The verifier's verdict (used by 'incorrect-first' and 'correct-first'). */
  correct: boolean;
}

/** Names of the selection strategies. */
export type SelectionStrategyName = 'random' | 'incorrect-first' | 'correct-first';

/**
 * Orders a group's eligible indices by preference; the first k are selected.
 * @param eligible indices (within the group) of finished rollouts, ascending.
 */
export type SelectionStrategy = (
  eligible: readonly number[],
  group: readonly SelectionCandidate[],
  rng: Rng,
) => number[];

export const SELECTION_STRATEGIES: Record<SelectionStrategyName, SelectionStrategy> = {
  // uniform at random, correct or not (reference)
  random: (eligible, _group, rng) => shuffled(rng, eligible),
  // incorrect ones first (random order among them), then correct ones (random order)
  'incorrect-first': (eligible, group, rng) => [
    ...shuffled(
      rng,
      eligible.filter((i) => !group[i].correct),
    ),
    ...shuffled(
      rng,
      eligible.filter((i) => group[i].correct),
    ),
  ],
  // correct ones first (self-agreement on what the student got right), then incorrect ones
  'correct-first': (eligible, group, rng) => [
    ...shuffled(
      rng,
      eligible.filter((i) => group[i].correct),
    ),
    ...shuffled(
      rng,
      eligible.filter((i) => !group[i].correct),
    ),
  ],
};

/**
 * k = max(1, floor(eligible * rate)); 0 when eligible = 0, the teacher is off or rate <= 0.
 * A 1e-9 slack absorbs float error (0.29 * 100 = 28.999999999999996 counts as 29).
 */
export function teacherSelectionCount(eligible: number, rate: number, active: boolean): number {
  if (eligible <= 0 || !active || !(rate > 0)) return 0;
  return Math.min(eligible, Math.max(1, Math.floor(eligible * rate + 1e-9)));
}

/** Options of {@link selectForTeacher}. */
export interface SelectionOptions {
  /** Selection rate from the schedule. */
  rate: number;
  /** Teacher on (from the schedule); false selects nothing. */
  active: boolean;
  strategy: SelectionStrategyName;
  /** Randomness source (seeded for reproducible runs). */
  rng: Rng;
}

/**
 * Selected rollout indices per group (indices within the group, ascending).
 * @param groups [B][G] candidates, one array per question.
 */
export function selectForTeacher(
  groups: readonly (readonly SelectionCandidate[])[],
  options: SelectionOptions,
): number[][] {
  const order = lookupVariant(SELECTION_STRATEGIES, 'selection strategy', options.strategy);
  return groups.map((group) => {
    const eligible = group.flatMap((c, i) => (c.finished ? [i] : []));
    const k = teacherSelectionCount(eligible.length, options.rate, options.active);
    if (k === 0) return [];
    return order(eligible, group, options.rng)
      .slice(0, k)
      .sort((a, b) => a - b);
  });
}
