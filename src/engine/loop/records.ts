import type { computeAdvantages } from '../rl/advantages';
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
): Trajectory[] {
  const row = new Map(used.map((i, u) => [i, u]));
  const Tm1 = update ? update.packed.length - 1 : 0;
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
      return {
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
      zeroSpread: adv.groups[r.group].zeroSpread,
      ...(r.guidance ? { guidance: { ...r.guidance } } : {}),
      tokens,
    };
  });
}
