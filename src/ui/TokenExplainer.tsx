import type { ReactNode } from 'react';
import {
  advantageFormula,
  fmt,
  type ExplainedToken as TokenRecord,
  type ExplainedTrajectory as Trajectory,
  type TrajectoryExplain,
} from '../contract/explainer';

/** One number of the explainer: formatted text, the exact value in data-value (tests read it). */
function V({ id, v }: { id?: string; v: number | null | undefined }) {
  return (
    <strong className="ex-num" data-testid={id} data-value={String(v)}>
      {fmt(v)}
    </strong>
  );
}

function Row({ k, children }: { k: string; children: ReactNode }) {
  return (
    <tr>
      <td>{k}</td>
      <td>{children}</td>
    </tr>
  );
}

const CASE_TEXT = {
  unclipped: 'unclipped: L = −A·r, gradient flows with weight w = r',
  'clipped-low': 'clipped low (A < 0 and r < 1 − ε_low): L = −A·(1 − ε_low), no gradient',
  'clipped-high': 'clipped high (A > 0 and r > 1 + ε_high): L = −A·(1 + ε_high), no gradient',
  'dual-clip': 'dual clip (A < 0 and −A·r > −c·A): L = −c·A, no gradient',
} as const;

/** The PPO term of one token with its numbers. */
function PpoTerm({ t, e }: { t: TokenRecord; e: TrajectoryExplain }) {
  const x = t.explain!;
  const l = e.loss;
  return (
    <table className="kv">
      <tbody>
        <Row k="ratio r = exp(logp − logp_old)">
          exp({fmt(t.logprob)} − {fmt(t.oldLogprob)}) = <V id="explainer-ratio" v={t.ratio} />
        </Row>
        <Row k="clip range [1 − ε_low, 1 + ε_high]">
          [{fmt(1 - l.clipEpsLow)}, {fmt(1 + l.clipEpsHigh)}]
          {l.dualClipC !== null ? `, dual clip c = ${l.dualClipC}` : ', no dual clip'}
        </Row>
        <Row k="branch fired">
          <span data-testid="explainer-case" data-value={x.ppoCase ?? ''}>
            {CASE_TEXT[x.ppoCase ?? 'unclipped']}
          </span>
        </Row>
        <Row k="L = −min(r·A, clip(r)·A)">
          <V id="explainer-loss" v={x.loss} />
        </Row>
      </tbody>
    </table>
  );
}

/** The shaped off-policy term of one teacher token. */
function ShapedTerm({ t, e }: { t: TokenRecord; e: TrajectoryExplain }) {
  const x = t.explain!;
  const l = e.loss;
  const gammaText =
    l.shaping === 'thinktuning'
      ? `γ(A) = ${l.gammaScale}·A${l.gammaLimit !== null ? ` clamped to ±${l.gammaLimit}` : ''}`
      : l.shaping === 'luffy'
        ? 'γ = luffyGamma (no stop-gradient)'
        : 'γ = referenceGamma (as coded)';
  return (
    <table className="kv">
      <tbody>
        <Row k="p = exp(logp)">
          <V id="explainer-p" v={x.prob} />
        </Row>
        <Row k={gammaText}>
          <V id="explainer-gamma" v={x.gamma} />
        </Row>
        <Row k={l.shaping === 'luffy' ? 'w = γ·p / (p + γ)²' : 'w = p / (sg(p) + γ)'}>
          <V id="explainer-weight" v={t.weight} />
          {x.fallback &&
            ' (sg(p) + γ left (0, 1]: the fallback denominator sg(p)/1.0001 or /0.9999)'}
        </Row>
        <Row k="L = −A·p / (sg(p) + γ)">
          <V id="explainer-loss" v={x.loss} />
        </Row>
        <Row k="ratio (shown, not used)">
          <V id="explainer-ratio" v={t.ratio} />
        </Row>
      </tbody>
    </table>
  );
}

/**
 * The exact loss term one token got, with the engine's numbers filled in (records.ts exports
 * them, contract/explainer.ts describes them): a pure view, so saved runs explain after a reload.
 */
export function TokenExplainer({
  trajectory: tr,
  index,
  onClose,
}: {
  trajectory: Trajectory;
  index: number;
  onClose: () => void;
}) {
  const t = tr.tokens[index];
  const x = t?.explain;
  const e = tr.explain;
  if (!t) return null;
  const head = (
    <div className="row ex-head">
      <strong>
        Token {JSON.stringify(t.text)} · rollout #{tr.index + 1}, position {index} · {t.part}
      </strong>
      <button data-testid="explainer-close" onClick={onClose}>
        Close
      </button>
    </div>
  );
  if (!x || !e)
    return (
      <div className="panel token-explainer" data-testid="token-explainer">
        {head}
        <p className="muted">
          This step was recorded before per-token loss terms were exported, so only the hover
          numbers exist: ratio <V id="explainer-ratio" v={t.ratio} />, weight{' '}
          <V id="explainer-weight" v={t.weight} />. Run a new step to see the full formula.
        </p>
      </div>
    );
  const l = e.loss;
  const share = x.batchLoss !== 0 ? x.contribution / x.batchLoss : Number.NaN;
  return (
    <div className="panel token-explainer" data-testid="token-explainer">
      {head}
      <h3 data-testid="explainer-branch" data-value={x.branch}>
        {x.branch === 'ppo' && 'On-policy PPO term (student token)'}
        {x.branch === 'shaped' && 'Off-policy shaped term (teacher token)'}
        {x.branch === 'dropped' && 'Dropped from the loss (low-confidence negative teacher token)'}
        {x.branch === 'routed-to-ppo' && 'Teacher token routed to PPO (low-confidence negative)'}
        {x.branch === 'not-in-loss' && 'Not in the loss'}
      </h3>
      {(x.branch === 'dropped' || x.branch === 'routed-to-ppo') && (
        <p>
          A = {fmt(t.advantage)} &lt; 0 and p = <V id="explainer-p" v={x.prob} /> &lt; τ ={' '}
          {l.lowConfidenceTau}: pushing this unlikely teacher token further down would only add
          noise, so lowConfidenceHandling = &apos;{l.lowConfidenceHandling}&apos;{' '}
          {x.branch === 'dropped'
            ? `drops it: L = 0, no gradient${l.droppedInNormaliser ? ' (it still counts in the normaliser)' : ''}.`
            : 'scores it with PPO against its old log-prob.'}
        </p>
      )}
      {x.branch === 'not-in-loss' && (
        <p>
          {e.prefixCredit === 'none' && tr.guided && t.part === 'student'
            ? "thinktuning.prefixCredit = 'none': the student's prefix of a guided trajectory is left out of the loss and its normaliser."
            : 'This rollout was left out of the update (a zero-spread group with rl.skipZeroSpread on).'}
        </p>
      )}
      {(x.branch === 'ppo' || x.branch === 'routed-to-ppo') && <PpoTerm t={t} e={e} />}
      {x.branch === 'shaped' && <ShapedTerm t={t} e={e} />}
      {x.branch !== 'shaped' && (
        <p className="muted">
          weight w (dL/dlogp = −A·w): <V id="explainer-weight" v={t.weight} />
        </p>
      )}
      <h4>Advantage</h4>
      <p>
        A = <V id="explainer-advantage" v={t.advantage} /> · group rewards [
        {e.groupRewards.map(fmt).join(', ')}], mean <V id="explainer-mean" v={e.groupMean} />, std{' '}
        <V id="explainer-std" v={e.groupStd} /> (unbiased, n − 1) · rl.advantage = {e.advantageMode}
      </p>
      <p className="mono">{advantageFormula(e, tr.reward)}</p>
      {t.advantage !== tr.advantage && (
        <p className="muted">
          prefixCredit = &apos;{e.prefixCredit}&apos;: this prefix token gets the advantage of the
          student&apos;s own unguided response, not the trajectory&apos;s {fmt(tr.advantage)}.
        </p>
      )}
      <h4>Share of the loss</h4>
      <p>
        {l.aggregation}: weight on this token ∂loss/∂L ={' '}
        <V id="explainer-aggweight" v={x.aggWeight} />; contribution = weight·L ={' '}
        <V id="explainer-contribution" v={x.contribution} /> of mini-batch {x.miniBatch + 1}&apos;s
        loss <V v={x.batchLoss} /> (
        {Number.isFinite(share) ? `${(share * 100).toFixed(2)} %` : 'loss is 0'}) in the last of{' '}
        {e.epochs} epoch(s).
      </p>
      <h4>Gradient</h4>
      <p>
        ∂loss/∂logp (engine, tf.grad) = <V id="explainer-grad" v={x.gradLogp} />{' '}
        <span className="muted">
          {x.gradLogp === 0
            ? '· zero: this token is clipped, dropped or has A = 0, so it does not move the model'
            : x.gradLogp < 0
              ? '· negative: a descent step raises this token’s log-prob (pushed up)'
              : '· positive: a descent step lowers this token’s log-prob (pushed down)'}
          {l.klBeta === 0 &&
            l.entropyCoef === 0 &&
            ` · equals −A·w·∂loss/∂L = ${fmt(-t.advantage * t.weight * x.aggWeight)}`}
        </span>
      </p>
    </div>
  );
}
