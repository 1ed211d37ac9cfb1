import { memo, useCallback, useMemo, useState, type MouseEvent } from 'react';
import type { TokenRecord, Trajectory } from '../engine/loop/types';
import { exportSteps, selectGroup, selectStep, setColorMode } from '../state/actions';
import { useLab } from '../state/labStore';
import { COLOR_MODES, type ColorMode } from '../state/slices';
import { scaleExtent, SCALES, tokenValue } from './tokenColor';
import { TokenView } from './TokenView';

const num = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

function Badges({ t }: { t: Trajectory }) {
  return (
    <span className="badges">
      {t.guided && <span className="b b-guided">guided</span>}
      <span className={`b ${t.correct ? 'b-correct' : 'b-wrong'}`}>
        {t.correct ? 'correct' : 'wrong'}
      </span>
      {t.truncated && <span className="b b-trunc">truncated</span>}
      {t.zeroSpread && <span className="b b-zero">zero-spread</span>}
    </span>
  );
}

const Rollout = memo(function Rollout({
  t,
  mode,
  extent,
}: {
  t: Trajectory;
  mode: ColorMode;
  extent: number;
}) {
  return (
    <div className={`rollout${t.guided ? ' rollout-guided' : ''}`} data-testid="rollout">
      <div className="rollout-head">
        <strong>#{t.index + 1}</strong>
        <span title="reward">R {num(t.reward, 2)}</span>
        <span title="advantage" className={t.advantage >= 0 ? 'pos' : 'neg'}>
          A {num(t.advantage)}
        </span>
        <span className="muted">{t.tokens.length} tok</span>
        <Badges t={t} />
      </div>
      {t.guidance && (
        <div className="guidance-meta">
          teacher opinion: <strong>{t.guidance.opinion}</strong>
          {t.guidance.behavior && <span className="muted"> · {t.guidance.behavior}</span>}
        </div>
      )}
      <TokenView trajectory={t} rollout={t.index} mode={mode} extent={extent} />
    </div>
  );
});

interface Hover {
  token: TokenRecord;
  x: number;
  y: number;
}

function HoverCard({ h }: { h: Hover }) {
  const t = h.token;
  const flags = [
    t.offPolicy && 'off-policy (teacher)',
    t.clippedLow && 'clipped low',
    t.clippedHigh && 'clipped high',
    t.masked && 'masked (not in the loss)',
  ].filter(Boolean);
  const left = Math.min(h.x + 14, window.innerWidth - 250);
  const top = Math.min(h.y + 14, window.innerHeight - 210);
  return (
    <div className="hover-card" style={{ left, top }} data-testid="token-card">
      <div className="hover-text">{JSON.stringify(t.text)}</div>
      <table className="kv">
        <tbody>
          <tr>
            <td>id</td>
            <td>{t.id}</td>
          </tr>
          <tr>
            <td>part</td>
            <td>{t.part}</td>
          </tr>
          <tr>
            <td>logprob</td>
            <td>{num(t.logprob, 4)}</td>
          </tr>
          <tr>
            <td>old logprob</td>
            <td>{num(t.oldLogprob, 4)}</td>
          </tr>
          <tr>
            <td>ratio</td>
            <td>{num(t.ratio, 4)}</td>
          </tr>
          <tr>
            <td>advantage</td>
            <td>{num(t.advantage, 4)}</td>
          </tr>
          <tr>
            <td>entropy</td>
            <td>{num(t.entropy, 3)}</td>
          </tr>
          <tr>
            <td>weight</td>
            <td>{num(t.weight, 4)}</td>
          </tr>
        </tbody>
      </table>
      <div className="muted">{flags.length ? flags.join(' · ') : 'on-policy, in the loss'}</div>
    </div>
  );
}

/** One step's groups: the G rollouts of a question side by side, every token inspectable. */
export function Inspector() {
  const inspected = useLab((s) => s.inspected);
  const inspectStep = useLab((s) => s.inspectStep);
  const group = useLab((s) => s.inspectGroup);
  const mode = useLab((s) => s.colorMode);
  const stored = useLab((s) => s.stored);
  const [hover, setHover] = useState<Hover | null>(null);

  const groups = useMemo(() => {
    const m = new Map<number, Trajectory[]>();
    for (const t of inspected?.trajectories ?? []) {
      if (!m.has(t.group)) m.set(t.group, []);
      m.get(t.group)!.push(t);
    }
    return [...m.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, ts]) => ts.sort((a, b) => a.index - b.index));
  }, [inspected]);
  const rollouts = useMemo(() => groups[group] ?? groups[0] ?? [], [groups, group]);
  const extent = useMemo(
    () => scaleExtent(rollouts.flatMap((t) => t.tokens.map((k) => tokenValue(k, mode)))),
    [rollouts, mode],
  );
  const onOver = useCallback(
    (e: MouseEvent<HTMLDivElement>) => {
      const el = (e.target as HTMLElement).closest<HTMLElement>('[data-testid="token"]');
      if (!el) return setHover(null);
      const t = rollouts.find((r) => r.index === Number(el.dataset.r));
      const token = t?.tokens[Number(el.dataset.i)];
      if (token) setHover({ token, x: e.clientX, y: e.clientY });
    },
    [rollouts],
  );
  const first = rollouts[0];
  const scale = SCALES[mode];
  return (
    <section className="panel inspector" data-testid="inspector" id="inspector">
      <div className="row inspector-head">
        <h2>Trajectories</h2>
        <label>
          Step{' '}
          <select
            data-testid="inspect-step"
            value={inspectStep ?? ''}
            onChange={(e) => selectStep(e.target.value === '' ? null : Number(e.target.value))}
          >
            <option value="">
              latest{inspected && inspectStep === null ? ` (${inspected.step})` : ''}
            </option>
            {(stored?.steps ?? []).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Question{' '}
          <select
            data-testid="inspect-group"
            value={Math.min(group, Math.max(0, groups.length - 1))}
            onChange={(e) => selectGroup(Number(e.target.value))}
          >
            {groups.map((g, i) => (
              <option key={i} value={i}>
                {`Q${i + 1}`}
                {g.some((t) => t.guided) ? ' · guided' : ''}
                {g[0]?.zeroSpread ? ' · zero spread' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Colour by{' '}
          <select
            data-testid="color-mode"
            value={mode}
            onChange={(e) => setColorMode(e.target.value as ColorMode)}
          >
            {COLOR_MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <button
          data-testid="export-step"
          disabled={!inspected}
          onClick={() => inspected && exportSteps(inspected.step)}
        >
          Export step (JSONL)
        </button>
        <button
          data-testid="export-all"
          disabled={!stored?.steps.length}
          onClick={() => exportSteps('all')}
        >
          Export all kept
        </button>
      </div>
      {!inspected || !first ? (
        <p className="muted">The rollouts of each step appear here once a step has run.</p>
      ) : (
        <>
          <div className="inspector-meta">
            <span data-testid="inspected-step">step {inspected.step}</span>
            {stored && (
              <span className="muted">
                {' '}
                · kept steps {stored.steps[0]}–{stored.steps[stored.steps.length - 1]} (
                {(stored.bytes / 1e6).toFixed(1)} of {(stored.budgetBytes / 1e6).toFixed(0)} MB)
              </span>
            )}
            <span className="legend">
              <span className="swatch" style={{ background: `rgb(${scale.negative.join(',')})` }} />
              {scale.kind === 'diverging' ? `−${extent.toPrecision(2)}` : '0'}
              <span className="legend-label">{scale.label}</span>
              <span className="swatch" style={{ background: `rgb(${scale.positive.join(',')})` }} />
              {scale.kind === 'diverging' ? `+${extent.toPrecision(2)}` : extent.toPrecision(2)}
              <span className="tok tok-off legend-tok">teacher</span>
              <span className="tok tok-clip-low legend-tok">clipped</span>
              <span className="tok tok-masked legend-tok">masked</span>
            </span>
          </div>
          <div className="question">
            <strong>Q{group + 1}.</strong> {first.question}{' '}
            <span className="muted">(answer: {first.answer})</span>
          </div>
          <div
            className="rollouts"
            style={{
              gridTemplateColumns: `repeat(${Math.min(rollouts.length, 5)}, minmax(0, 1fr))`,
            }}
            onMouseOver={onOver}
            onMouseLeave={() => setHover(null)}
          >
            {rollouts.map((t) => (
              <Rollout
                key={`${inspected.step}-${t.group}-${t.index}`}
                t={t}
                mode={mode}
                extent={extent}
              />
            ))}
          </div>
        </>
      )}
      {hover && <HoverCard h={hover} />}
    </section>
  );
}
