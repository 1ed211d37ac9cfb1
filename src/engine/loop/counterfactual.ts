/**
 * Counterfactual replay of one group of a kept step (contract/counterfactual.ts): rebuild its
 * rollouts with edits (guidance on/off, the teacher's text, rewards), then recompute rewards, the
 * step's advantages, per-token log-probs, ratios, weights and the group's loss with the model the
 * caller passes (the step's pre-update weights). The same code path rebuilds the unedited group,
 * so both sides are computed alike. Reads the model, never changes it.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  CfRollout,
  CfSide,
  CounterfactualRequest,
  RolloutEdit,
} from '../../contract/counterfactual';
import type { RunConfig } from '../../contract/config';
import type { CausalLM } from '../model/causalLM';
import { tokenScores } from '../model/logprobs';
import { computeAdvantages } from '../rl/advantages';
import { explainTokenLoss, type TokenExplainTensors } from '../rl/explain';
import { responseCredit } from '../rl/prefixCredit';
import { promptIds } from '../sft/examples';
import { compileRewardSpec, evaluateReward } from '../tasks/rewards';
import type { TaskItem } from '../tasks/types';
import type { Tokenizer } from '../tokenizer';
import { buildGuidedResponse, offPolicyFlags } from './guided';
import { disposePacked, packRollouts } from './pack';
import { lossConfigFromConfig, rewardSpecFromConfig } from './setup';
import type { TokenPart, Trajectory } from '../../contract/loopRecords';

/** One rollout rebuilt for the replay. */
interface Rebuilt {
  t: Trajectory;
  ids: number[];
  parts: TokenPart[];
  offPolicy: boolean[];
  guided: boolean;
  guidanceStart: number | null;
  text: string;
  reward: number;
  rewardSource: CfRollout['rewardSource'];
  correct: boolean | null;
  ownReward: number;
}

/** The task item behind a trajectory (the reward only reads its prompt and answer). */
function itemOf(t: Trajectory, suffix: string): TaskItem {
  const prompt =
    suffix && t.question.endsWith(suffix) ? t.question.slice(0, -suffix.length) : t.question;
  return { id: t.itemId, prompt, answer: t.answer, source: 'replay' };
}

/** The student's own response ids (guidance taken off; EOS back when it had finished). */
function ownIds(t: Trajectory, eos: number): { ids: number[]; finished: boolean } {
  if (!t.guided) return { ids: t.tokens.map((k) => k.id), finished: t.finished };
  const finished = t.ownFinished ?? true;
  const ids = t.tokens.filter((k) => k.part === 'student').map((k) => k.id);
  return { ids: finished ? [...ids, eos] : ids, finished };
}

function rebuild(
  t: Trajectory,
  edit: RolloutEdit | undefined,
  c: RunConfig,
  tok: Tokenizer,
  score: (
    t: Trajectory,
    text: string,
    finished: boolean,
    n: number,
  ) => { total: number; correct: boolean },
): Rebuilt {
  const guided = edit?.guided ?? t.guided;
  const reason = (edit?.reason ?? t.guidance?.reason ?? '').trim();
  const phrase = (edit?.phrase ?? t.guidance?.phrase ?? '').trim();
  const changed =
    guided !== t.guided ||
    (guided &&
      (reason !== (t.guidance?.reason ?? '').trim() ||
        phrase !== (t.guidance?.phrase ?? '').trim()));
  const ownReward = t.guided ? (t.ownReward ?? t.reward) : t.reward;
  let r: Omit<Rebuilt, 'reward' | 'rewardSource' | 'correct'>;
  if (!changed) {
    // as recorded: the very ids and off-policy flags the step trained on
    const start = t.tokens.findIndex((k) => k.part !== 'student' && k.part !== 'eos');
    r = {
      t,
      ids: t.tokens.map((k) => k.id),
      parts: t.tokens.map((k) => k.part),
      offPolicy: t.tokens.map((k) => k.offPolicy),
      guided,
      guidanceStart: t.guided && start >= 0 ? start : null,
      text: t.response,
      ownReward,
    };
  } else {
    const own = ownIds(t, tok.eosId);
    if (guided && !reason && !phrase)
      throw new Error(
        `Rollout #${t.index + 1}: guidance needs a reason or a phrase; type the teacher's text or leave it unguided.`,
      );
    if (guided) {
      const g = buildGuidedResponse(tok, own.ids, {
        opinion: t.guidance?.opinion === 'correct' ? 'correct' : 'incorrect',
        reason,
        phrase,
      });
      r = {
        t,
        ids: g.ids,
        parts: g.parts,
        offPolicy: offPolicyFlags(g, c.thinktuning.offPolicyScope),
        guided,
        guidanceStart: g.guidanceStart,
        text: g.text,
        ownReward: t.guided ? ownReward : t.reward,
      };
    } else {
      r = {
        t,
        ids: own.ids,
        parts: own.ids.map(() => 'student'),
        offPolicy: own.ids.map(() => false),
        guided,
        guidanceStart: null,
        text: tok.decode(own.ids, { skipSpecial: true }),
        ownReward,
      };
    }
  }
  if (edit?.reward !== undefined) {
    if (!Number.isFinite(edit.reward))
      throw new Error(`Rollout #${t.index + 1}: the reward override must be a finite number.`);
    return { ...r, reward: edit.reward, rewardSource: 'override', correct: null };
  }
  if (!changed) return { ...r, reward: t.reward, rewardSource: 'recorded', correct: t.correct };
  const finished = guided ? true : ownIds(t, tok.eosId).finished;
  const s = score(t, r.text, finished, r.ids.length);
  // Removing guidance gives back the student's own response: its reward is the recorded one.
  if (!guided && t.guided && t.ownReward !== undefined)
    return { ...r, reward: t.ownReward, rewardSource: 'recorded', correct: s.correct };
  return { ...r, reward: s.total, rewardSource: 'recomputed', correct: s.correct };
}

/**
 * Replays `req.group` of a step whose trajectories are `step` (every group: batch-std and the
 * advantages are over the step). `model` must hold the step's pre-update weights.
 */
export async function replayGroup(args: {
  model: CausalLM;
  tokenizer: Tokenizer;
  config: RunConfig;
  step: readonly Trajectory[];
  req: CounterfactualRequest;
}): Promise<{ original: CfSide; counterfactual: CfSide; notes: string[] }> {
  const { model, tokenizer: tok, config: c, req } = args;
  const all = [...args.step].sort((a, b) => a.group - b.group || a.index - b.index);
  const G = c.rl.groupSize;
  if (all.length % G !== 0)
    throw new Error(
      `Step ${req.step} holds ${all.length} rollouts, not a multiple of rl.groupSize ${G}.`,
    );
  if (!all.some((t) => t.group === req.group))
    throw new Error(`Step ${req.step} has no question ${req.group + 1}.`);
  const compiled = compileRewardSpec(rewardSpecFromConfig(c));
  const score = (t: Trajectory, text: string, finished: boolean, n: number) => {
    const r = evaluateReward(compiled, itemOf(t, c.data.promptSuffix), text, {
      endedWithEos: finished,
      responseTokens: n,
    });
    return { total: r.total, correct: r.grade.correct };
  };
  const notes: string[] = [];
  const loss = lossConfigFromConfig(c);
  if (loss.klBeta > 0) notes.push('The KL term is left out (the frozen reference is not kept).');
  const side = async (edits: RolloutEdit[]): Promise<CfSide> => {
    const rows = all.map((t) =>
      rebuild(
        t,
        t.group === req.group ? edits.find((e) => e.index === t.index) : undefined,
        c,
        tok,
        score,
      ),
    );
    const adv = computeAdvantages(
      rows.map((r) => r.reward),
      G,
      { mode: c.rl.advantage, epsilon: 1e-6, skipZeroSpread: false },
    );
    const mode = c.thinktuning.prefixCredit ?? 'guided';
    const own =
      mode === 'own'
        ? computeAdvantages(
            rows.map((r) => r.ownReward),
            G,
            { mode: c.rl.advantage, epsilon: 1e-6, skipZeroSpread: false },
          ).advantages
        : adv.advantages;
    const mine = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.t.group === req.group);
    const credits = mine.map(({ r, i }) =>
      responseCredit(r.ids.length, r.guidanceStart, adv.advantages[i], own[i], mode),
    );
    const prompt = promptIds(tok, itemOf(mine[0].r.t, c.data.promptSuffix), c.data.promptSuffix);
    const packed = packRollouts(
      mine.map(({ r }, k) => ({
        prompt,
        response: r.ids,
        offPolicy: r.offPolicy,
        advantage: credits[k].advantage,
        inLoss: credits[k].inLoss,
      })),
      tok.padId,
    );
    const Tm1 = packed.length - 1;
    const names = [
      'logp',
      'perTokenLoss',
      'aggWeight',
      'gradLogp',
      'weight',
      'masked',
      'routedToPpo',
      'offPolicy',
    ] as const;
    const stacked = tf.tidy(() => {
      const { logp, entropy } = tokenScores(model, packed.tokens);
      // at the pre-update weights pi_theta = pi_old, so r = 1: the first update's loss
      const e: TokenExplainTensors = explainTokenLoss({
        logp,
        oldLogp: logp,
        advantages: packed.advantages,
        responseMask: packed.responseMask,
        offPolicyMask: packed.offPolicyMask,
        entropy: loss.entropyCoef > 0 ? entropy : undefined,
        config: { ...loss, klBeta: 0 },
      });
      const pick = { ...e, logp } as Record<(typeof names)[number], tf.Tensor>;
      return { all: tf.stack(names.map((n) => pick[n])), loss: e.loss };
    });
    const data = (await stacked.all.data()) as Float32Array; // one readback for the group
    const groupLoss = (await stacked.loss.data())[0];
    tf.dispose([stacked.all, stacked.loss]);
    disposePacked(packed);
    const at = (f: number, k: number, j: number) =>
      data[f * mine.length * Tm1 + k * Tm1 + packed.targetStart[k] + j];
    const rollouts: CfRollout[] = mine.map(({ r, i }, k) => {
      const tokens = r.ids.map((id, j) => {
        const inLoss = credits[k].inLoss[j];
        const branch = !inLoss
          ? ('not-in-loss' as const)
          : !(at(7, k, j) > 0)
            ? ('ppo' as const)
            : at(5, k, j) > 0
              ? ('dropped' as const)
              : at(6, k, j) > 0
                ? ('routed-to-ppo' as const)
                : ('shaped' as const);
        return {
          text: tok.tokenText(id),
          part: r.parts[j],
          offPolicy: r.offPolicy[j],
          logprob: at(0, k, j),
          ratio: 1, // exp(logp - logp_old) with logp_old = logp
          advantage: credits[k].advantage[j],
          weight: at(4, k, j),
          loss: at(1, k, j),
          gradLogp: at(3, k, j),
          branch,
          contribution: at(2, k, j) * at(1, k, j), // aggWeight * L_t
        };
      });
      return {
        index: r.t.index,
        guided: r.guided,
        response: r.text,
        reward: r.reward,
        rewardSource: r.rewardSource,
        correct: r.correct,
        advantage: adv.advantages[i],
        loss: tokens.reduce((s, x) => s + x.contribution, 0),
        tokens: tokens.map(({ contribution: _c, ...x }) => x),
      };
    });
    const g = adv.groups[req.group];
    return { rollouts, groupMean: g.mean, groupStd: g.std, groupLoss };
  };
  return { original: await side([]), counterfactual: await side(req.edits), notes };
}
