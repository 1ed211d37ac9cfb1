import {
  shapingGamma,
  type PpoCase,
  type TokenExplain,
  type TrajectoryExplain,
} from '../../contract/explainer';
import { unbiasedStd, type computeAdvantages } from '../rl/advantages';
import type { TokenCredit } from '../rl/prefixCredit';
import type { Tokenizer } from '../tokenizer';
import type { PackedRollouts } from './pack';
import type { Rollout } from './rollout';
import type { TokenRecord, Trajectory } from '../../contract/loopRecords';
import type { UpdateReport } from './update';

/**
 * Per-token records for the inspector and trajectories.jsonl. Values come from the last
 * epoch's update of each token (logprob, entropy, flags) and the pre-update scoring (old logprob).
 * Rows left out of the update (zero-spread groups with skipping on) get NaN log-probs.
 */
export function buildTrajectories(
  /** The step these rollouts belong to, from 1 (metrics.jsonl's numbering). */
  step: number,
  tok: Tokenizer,
  rollouts: Rollout[],
  adv: ReturnType<typeof computeAdvantages>,
  update: { upd: UpdateReport; oldData: Float32Array; packed: PackedRollouts } | null,
  used: number[],
  /** Per-token advantages and loss membership (prefixCredit.ts); default A_i on every token. */
  credits?: TokenCredit[],
  /** The step's loss and advantage settings: with them, each record carries `explain`. */
  settings?: Omit<TrajectoryExplain, 'groupRewards' | 'groupMean' | 'groupStd' | 'batchStd'>,
): Trajectory[] {
  const row = new Map(used.map((i, u) => [i, u]));
  const Tm1 = update ? update.packed.length - 1 : 0;
  const rewards = rollouts.map((r) => r.reward.total);
  const batchStd = unbiasedStd(rewards);
  return rollouts.map((r, i) => {
    const ids = r.guided?.ids ?? r.ids;
    const u = row.get(i);
    const a = adv.advantages[i];
    const tokens: TokenRecord[] = ids.map((id, j) => {
      const base = {
        id,
        text: tok.tokenText(id),
        part: r.guided?.parts[j] ?? 'student',
        advantage: credits?.[i].advantage[j] ?? a,
        offPolicy: r.offPolicy[j],
      };
      if (u === undefined || !update) {
        return {
          ...base,
          logprob: NaN,
          oldLogprob: NaN,
          ratio: NaN,
          entropy: NaN,
          clippedLow: false,
          clippedHigh: false,
          masked: true,
          weight: 0,
        };
      }
      const k = u * Tm1 + update.packed.targetStart[u] + j;
      const p = update.upd.perToken;
      const logprob = p.logp[k];
      const oldLogprob = update.oldData[k];
      const inLoss = credits?.[i].inLoss[j] !== false;
      const explain = settings
        ? tokenExplain(p, k, u, inLoss, settings.loss, base.advantage)
        : undefined;
      return {
        ...(explain ? { explain } : {}),
        ...base,
        logprob,
        oldLogprob,
        ratio: Math.exp(logprob - oldLogprob),
        entropy: p.entropy[k],
        clippedLow: p.clippedLow[k] > 0,
        clippedHigh: p.clippedHigh[k] > 0,
        // dropped: a low-confidence teacher token, or a prefix token left out (prefixCredit none)
        masked: p.masked[k] > 0 || credits?.[i].inLoss[j] === false,
        weight: p.weight[k],
      };
    });
    return {
      step,
      group: r.group,
      index: r.index,
      itemId: r.item.id,
      question: r.question,
      answer: r.item.answer,
      response: r.guided?.text ?? r.text,
      reward: r.reward.total,
      rewardComponents: r.reward.components,
      advantage: a,
      correct: r.reward.grade.correct,
      finished: r.guided ? true : r.finished,
      truncated: r.guided ? false : !r.finished,
      guided: r.guided !== null,
      // the student's own response before guidance (counterfactual replay removes guidance)
      ...(r.guided ? { ownReward: r.ownReward, ownFinished: r.finished } : {}),
      zeroSpread: adv.groups[r.group].zeroSpread,
      ...(settings
        ? {
            explain: {
              ...settings,
              groupRewards: rollouts.filter((o) => o.group === r.group).map((o) => o.reward.total),
              groupMean: adv.groups[r.group].mean,
              groupStd: adv.groups[r.group].std,
              batchStd,
            },
          }
        : {}),
      ...(r.guidance ? { guidance: { ...r.guidance } } : {}),
      tokens,
    };
  });
}

/** One token's explainer numbers from the update's readback (rl/explain.ts) at flat index k. */
function tokenExplain(
  p: UpdateReport['perToken'],
  k: number,
  row: number,
  inLoss: boolean,
  loss: TrajectoryExplain['loss'],
  advantage: number,
): TokenExplain {
  const e = p.explain;
  const on = (x: Float32Array) => x[k] > 0;
  const branch: TokenExplain['branch'] = !inLoss
    ? 'not-in-loss'
    : !on(e.offPolicy)
      ? 'ppo'
      : on(p.masked)
        ? 'dropped'
        : on(e.routedToPpo)
          ? 'routed-to-ppo'
          : 'shaped';
  const ppo = branch === 'ppo' || branch === 'routed-to-ppo';
  const ppoCase: PpoCase | null = !ppo
    ? null
    : on(e.dualClipped)
      ? 'dual-clip'
      : on(p.clippedLow)
        ? 'clipped-low'
        : on(p.clippedHigh)
          ? 'clipped-high'
          : 'unclipped';
  const lossTerm = e.perTokenLoss[k];
  return {
    branch,
    ppoCase,
    prob: e.prob[k],
    gamma: branch === 'shaped' ? shapingGamma(loss, advantage) : null,
    fallback: on(e.fallback),
    loss: lossTerm,
    aggWeight: e.aggWeight[k],
    contribution: e.aggWeight[k] * lossTerm, // aggWeight * L_t
    gradLogp: e.gradLogp[k],
    miniBatch: p.rowMiniBatch[row],
    batchLoss: p.rowBatchLoss[row],
  };
}
