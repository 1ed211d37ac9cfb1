import { useState } from 'react';
import type {
  CfSide,
  ReplayableTrajectory as Trajectory,
  RolloutEdit,
} from '../contract/counterfactual';
import { fmt } from '../contract/explainer';
import { runCounterfactual } from '../state/actions';
import { useCounterfactual } from '../state/counterfactualStore';

interface Draft {
  guided: boolean;
  reason: string;
  phrase: string;
  /** '' = the computed reward. */
  reward: string;
}

function draftOf(t: Trajectory): Draft {
  return {
    guided: t.guided,
    reason: t.guidance?.reason ?? '',
    phrase: t.guidance?.phrase ?? '',
    reward: '',
  };
}

/** The edits a draft makes to its trajectory (only what changed). */
function editOf(t: Trajectory, d: Draft): RolloutEdit | null {
  const e: RolloutEdit = { index: t.index };
  if (d.guided !== t.guided) e.guided = d.guided;
  if (d.guided && d.reason !== (t.guidance?.reason ?? '')) e.reason = d.reason;
  if (d.guided && d.phrase !== (t.guidance?.phrase ?? '')) e.phrase = d.phrase;
  if (d.reward.trim() !== '') e.reward = Number(d.reward);
  return Object.keys(e).length > 1 ? e : null;
}

function N({ id, v }: { id: string; v: number }) {
  return (
    <td data-testid={id} data-value={String(v)}>
      {fmt(v)}
    </td>
  );
}

function GroupRow({ name, o, c }: { name: 'mean' | 'std' | 'loss'; o: CfSide; c: CfSide }) {
  const pick = (s: CfSide) =>
    name === 'mean' ? s.groupMean : name === 'std' ? s.groupStd : s.groupLoss;
  return (
    <tr>
      <th>group {name}</th>
      <td colSpan={2} />
      <N id={`cf-${name}-orig`} v={pick(o)} />
      <N id={`cf-${name}-cf`} v={pick(c)} />
      <td colSpan={4} />
    </tr>
  );
}

/**
 * Counterfactual replay for the inspected step and question: edit the guidance, the guided set
 * or the rewards; the worker recomputes the group at that step's pre-update weights and the
 * result is shown beside the original (the run does not change).
 */
export function Counterfactual({
  step,
  group,
  rollouts,
}: {
  step: number;
  group: number;
  rollouts: Trajectory[];
}) {
  const key = `${step}-${group}`;
  const [drafts, setDrafts] = useState<{ key: string; d: Draft[] }>({ key, d: [] });
  const current = drafts.key === key && drafts.d.length ? drafts.d : rollouts.map(draftOf);
  const set = (i: number, patch: Partial<Draft>) =>
    setDrafts({ key, d: current.map((d, k) => (k === i ? { ...d, ...patch } : d)) });
  const { pending, result, error, request } = useCounterfactual();
  const mine = request?.step === step && request.group === group;
  const shown = mine && result?.step === step && result.group === group ? result : null;
  const edits = rollouts.map((t, i) => editOf(t, current[i])).filter((e): e is RolloutEdit => !!e);
  return (
    <details className="panel counterfactual" data-testid="counterfactual">
      <summary data-testid="cf-open">
        Counterfactual replay: what if the teacher had said something else, guided other rollouts,
        or the rewards were different?
      </summary>
      <p className="muted">
        Recomputed by the worker at step {step}&apos;s pre-update weights, which it keeps in memory
        for the last few steps of the run trained in this page (not recomputed from a checkpoint).
        Ratios are 1 there (π = π_old): the numbers are the first update&apos;s.
      </p>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>guided</th>
            <th>reward override</th>
            <th>teacher reason / phrase</th>
          </tr>
        </thead>
        <tbody>
          {rollouts.map((t, i) => (
            <tr key={t.index}>
              <td>#{t.index + 1}</td>
              <td>
                <input
                  type="checkbox"
                  data-testid={`cf-guided-${t.index}`}
                  checked={current[i].guided}
                  onChange={(e) => set(i, { guided: e.target.checked })}
                  aria-label={`rollout ${t.index + 1} guided`}
                />
              </td>
              <td>
                <input
                  data-testid={`cf-reward-${t.index}`}
                  placeholder={fmt(t.reward)}
                  size={6}
                  value={current[i].reward}
                  onChange={(e) => set(i, { reward: e.target.value })}
                  aria-label={`rollout ${t.index + 1} reward override`}
                />
              </td>
              <td style={{ textAlign: 'left' }}>
                {current[i].guided && (
                  <>
                    <input
                      data-testid={`cf-reason-${t.index}`}
                      value={current[i].reason}
                      placeholder="reason"
                      onChange={(e) => set(i, { reason: e.target.value })}
                      aria-label={`rollout ${t.index + 1} teacher reason`}
                    />{' '}
                    <input
                      data-testid={`cf-phrase-${t.index}`}
                      value={current[i].phrase}
                      placeholder="phrase"
                      onChange={(e) => set(i, { phrase: e.target.value })}
                      aria-label={`rollout ${t.index + 1} teacher phrase`}
                    />
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button
          data-testid="cf-run"
          disabled={pending !== null}
          onClick={() => runCounterfactual({ step, group, edits })}
        >
          {pending !== null ? 'Replaying…' : `Replay with ${edits.length} change(s)`}
        </button>
        <button onClick={() => setDrafts({ key, d: rollouts.map(draftOf) })}>Reset edits</button>
      </div>
      {mine && error && (
        <p className="error" data-testid="cf-error">
          {error}
        </p>
      )}
      {shown && (
        <div data-testid="cf-result">
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>guided</th>
                <th>reward (orig → new)</th>
                <th>A orig</th>
                <th>A new</th>
                <th>loss orig</th>
                <th>loss new</th>
                <th>tokens</th>
                <th>mean logp new</th>
              </tr>
            </thead>
            <tbody>
              {shown.original.rollouts.map((o, i) => {
                const c = shown.counterfactual.rollouts[i];
                const changed = o.reward !== c.reward || o.guided !== c.guided;
                const mean = c.tokens.reduce((s, k) => s + k.logprob, 0) / c.tokens.length;
                return (
                  <tr key={o.index} className={changed ? 'changed' : ''} data-testid="cf-row">
                    <th>#{o.index + 1}</th>
                    <td>
                      {o.guided ? 'yes' : 'no'} → {c.guided ? 'yes' : 'no'}
                    </td>
                    <td data-testid={`cf-reward-new-${o.index}`} data-value={String(c.reward)}>
                      {fmt(o.reward)} → {fmt(c.reward)}{' '}
                      <span className="muted">({c.rewardSource})</span>
                    </td>
                    <N id={`cf-adv-orig-${o.index}`} v={o.advantage} />
                    <N id={`cf-adv-new-${o.index}`} v={c.advantage} />
                    <N id={`cf-loss-orig-${o.index}`} v={o.loss} />
                    <N id={`cf-loss-new-${o.index}`} v={c.loss} />
                    <td>
                      {o.tokens.length} → {c.tokens.length}
                    </td>
                    <td>{fmt(mean)}</td>
                  </tr>
                );
              })}
              <GroupRow name="mean" o={shown.original} c={shown.counterfactual} />
              <GroupRow name="std" o={shown.original} c={shown.counterfactual} />
              <GroupRow name="loss" o={shown.original} c={shown.counterfactual} />
            </tbody>
          </table>
          {shown.counterfactual.rollouts
            .filter((c, i) => c.guided !== shown.original.rollouts[i].guided || c.guided)
            .map((c) => (
              <details key={c.index}>
                <summary>
                  Rollout #{c.index + 1} as replayed: {c.tokens.length} tokens (log-prob, weight w,
                  loss term, ∂loss/∂logp)
                </summary>
                <p className="mono">
                  {c.tokens
                    .map(
                      (k) =>
                        `${JSON.stringify(k.text)} ${k.branch} logp ${fmt(k.logprob)} w ${fmt(k.weight)} L ${fmt(k.loss)} g ${fmt(k.gradLogp)}`,
                    )
                    .join(' · ')}
                </p>
              </details>
            ))}
          <p className="muted">
            Weights kept in memory for steps {shown.keptSteps.join(', ')} (
            {(shown.keptBytes / 2 ** 20).toFixed(1)} of {(shown.budgetBytes / 2 ** 20).toFixed(0)}{' '}
            MiB).
            {shown.notes.map((n) => ` ${n}`)}
          </p>
        </div>
      )}
    </details>
  );
}
