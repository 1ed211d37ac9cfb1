/**
 * Step-through summaries (src/contract/stages.ts) built from the step's own data: RlTrainer
 * calls these between its stages and awaits StepOptions.onStage with the result.
 */
import {
  STAGES,
  type StageName,
  type StageRollout,
  type StageSummary,
} from '../../contract/stages';
import type { AdvantageResult } from '../rl/advantages';
import type { Rollout } from './rollout';

const TEXT = 160;
const cut = (s: string) => (s.length > TEXT ? `${s.slice(0, TEXT)}…` : s);

/** The rollouts as far as the step has got: text, reward, teacher reply, advantage. */
export function stageRollouts(
  rollouts: readonly Rollout[],
  extra: (r: Rollout, i: number) => Partial<StageRollout> = () => ({}),
): StageRollout[] {
  return rollouts.map((r, i) => ({
    group: r.group,
    index: r.index,
    text: cut(r.guided?.text ?? r.text),
    tokens: (r.guided?.ids ?? r.ids).length,
    finished: r.finished,
    ...extra(r, i),
  }));
}

export function stageSummary(
  step: number,
  stage: StageName,
  rollouts: StageRollout[],
  numbers: Record<string, number> = {},
  notes: string[] = [],
  groups?: StageSummary['groups'],
): StageSummary {
  return {
    step,
    stage,
    index: STAGES.indexOf(stage),
    rollouts,
    numbers,
    notes,
    ...(groups ? { groups } : {}),
  };
}

/** The advantage stage: each group's mean and std, each rollout's A_i and whether it is used. */
export function advantageStage(
  step: number,
  rollouts: readonly Rollout[],
  adv: AdvantageResult,
): StageSummary {
  const rs = stageRollouts(rollouts, (r, i) => ({
    reward: r.reward.total,
    correct: r.reward.grade.correct,
    guided: r.guided !== null,
    advantage: adv.advantages[i],
    inLoss: adv.keep[i],
  }));
  const groups = adv.groups.map((g, k) => ({
    group: k,
    question: cut(rollouts.find((r) => r.group === k)?.question ?? ''),
    mean: g.mean,
    std: g.std,
  }));
  return stageSummary(
    step,
    'advantages',
    rs,
    { zero_spread_groups: adv.zeroSpreadCount, rollouts_in_loss: adv.keep.filter(Boolean).length },
    [],
    groups,
  );
}
