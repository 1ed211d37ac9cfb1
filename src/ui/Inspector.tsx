import {
  memo,
  useCallback,
  useMemo,
  useRef,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import type { TokenRecord, Trajectory } from '../contract/loopRecords';
import { exportSteps, selectGroup, selectStep, setColorMode } from '../state/actions';
import { useLab } from '../state/labStore';
import { COLOR_MODES, type ColorMode, type Palette } from '../state/slices';
import { inspectorShortcut, neighbourStep } from './keyboard';
import { legendRange, scaleExtent, scaleFor, tokenValue, valueText } from './tokenColor';
import { shownFor, shownNote } from './tokenDisplay';
import { Counterfactual } from './Counterfactual';
import { TokenExplainer } from './TokenExplainer';
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

/** A rollout in words, for screen readers (the rollout's accessible name). */
function rolloutLabel(t: Trajectory, of: number): string {
  const flags = [
    t.guided && 'guided',
    t.correct ? 'correct' : 'wrong',
    t.truncated && 'truncated',
    t.zeroSpread && 'zero spread',
  ].filter(Boolean);
  return `Rollout ${t.index + 1} of ${of}: reward ${num(t.reward, 2)}, advantage ${num(t.advantage)}, ${flags.join(', ')}, ${t.tokens.length} tokens. Enter reads its tokens.`;
}

const Rollout = memo(function Rollout({
  t,
  of,
  mode,
  extent,
  palette,
  strong,
}: {
  t: Trajectory;
  of: number;
  mode: ColorMode;
  extent: number;
  palette: Palette;
  strong: boolean;
}) {
  return (
    <div
      className={`rollout${t.guided ? ' rollout-guided' : ''}`}
      data-testid="rollout"
      data-r={t.index}
      tabIndex={0}
      role="group"
      aria-label={rolloutLabel(t, of)}
    >
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
      <TokenView
        trajectory={t}
        rollout={t.index}
        mode={mode}
        extent={extent}
        palette={palette}
        strong={strong}
      />
    </div>
  );
});

interface Hover {
  token: TokenRecord;
  /** How the token is written (bytes joined, escapes), or null. */
  note: string | null;
  x: number;
  y: number;
}

/** The token's numbers: on hover, and on keyboard focus (then also read out: see Inspector). */
function HoverCard({ h, mode }: { h: Hover; mode: ColorMode }) {
  const t = h.token;
  const flags = [
    t.offPolicy && 'off-policy (teacher)',
    t.clippedLow && 'clipped low',
    t.clippedHigh && 'clipped high',
    t.masked && 'masked (not in the loss)',
  ].filter(Boolean);
  const left = Math.max(4, Math.min(h.x + 14, window.innerWidth - 254));
  const top = Math.max(4, Math.min(h.y + 14, window.innerHeight - 240));
  return (
    <div className="hover-card" style={{ left, top }} data-testid="token-card">
      <div className="hover-text">{JSON.stringify(t.text)}</div>
      {h.note && (
        <div className="hover-note" data-testid="token-note">
          {h.note}
        </div>
      )}
      <div className="hover-value">{valueText(tokenValue(t, mode), mode)}</div>
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

/** A token's numbers in one sentence (the live region reads it when the token gets focus). */
function tokenSentence(t: TokenRecord, note: string | null, mode: ColorMode): string {
  return [
    `token ${JSON.stringify(t.text)}, id ${t.id}`,
    valueText(tokenValue(t, mode), mode),
    note,
    t.offPolicy ? 'written by the teacher' : null,
    t.masked ? 'not in the loss' : null,
  ]
    .filter(Boolean)
    .join('; ');
}

/** The legend of the colour scale: its ends, or one line when every value is 0. */
function Legend({ mode, extent, palette }: { mode: ColorMode; extent: number; palette: Palette }) {
  const scale = scaleFor(mode, palette);
  const range = legendRange(mode, extent);
  return (
    <span className="legend" data-testid="legend">
      {'flat' in range ? (
        <span data-testid="legend-flat">{range.flat}</span>
      ) : (
        <>
          <span className="swatch" style={{ background: `rgb(${scale.negative.join(',')})` }} />
          {range.low}
          <span className="legend-label">{scale.label}</span>
          <span className="swatch" style={{ background: `rgb(${scale.positive.join(',')})` }} />
          {range.high}
        </>
      )}
      <span className="tok tok-off legend-tok">teacher</span>
      <span className="tok tok-clip-low legend-tok">clipped</span>
      <span className="tok tok-masked legend-tok">masked</span>
    </span>
  );
}

/** One step's groups: the G rollouts of a question side by side, every token inspectable. */
export function Inspector() {
  const inspected = useLab((s) => s.inspected);
  const inspectStep = useLab((s) => s.inspectStep);
  const group = useLab((s) => s.inspectGroup);
  const mode = useLab((s) => s.colorMode);
  const stored = useLab((s) => s.stored);
  const palette = useLab((s) => s.palette);
  const strong = useLab((s) => s.projector);
  /** The mouse's token, and the keyboard's: kept apart so that a page scrolling under a
   * resting pointer (focus scrolls a token into view) cannot close the focused token's card. */
  const [hover, setHover] = useState<Hover | null>(null);
  const [focused, setFocused] = useState<Hover | null>(null);
  const [spoken, setSpoken] = useState('');
  /** The clicked token the formula explainer shows (step, group, rollout, position). */
  const [picked, setPicked] = useState<{
    step: number;
    group: number;
    r: number;
    i: number;
  } | null>(null);
  const box = useRef<HTMLDivElement>(null);

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
  /** The token under an element (a token span), with how it is written. */
  const tokenAt = useCallback(
    (el: Element | null) => {
      const span = el?.closest<HTMLElement>('[data-testid="token"]');
      if (!span) return null;
      const t = rollouts.find((r) => r.index === Number(span.dataset.r));
      const i = Number(span.dataset.i);
      const token = t?.tokens[i];
      if (!t || !token) return null;
      return { span, token, note: shownNote(shownFor(t.tokens)[i]) };
    },
    [rollouts],
  );
  const onOver = useCallback(
    (e: MouseEvent<HTMLDivElement>) => {
      const hit = tokenAt(e.target as Element);
      if (!hit) return setHover(null);
      setHover({ token: hit.token, note: hit.note, x: e.clientX, y: e.clientY });
    },
    [tokenAt],
  );
  const onFocus = useCallback(
    (e: FocusEvent<HTMLDivElement>) => {
      const hit = tokenAt(e.target as Element);
      if (!hit) return setFocused(null);
      const r = hit.span.getBoundingClientRect();
      setFocused({ token: hit.token, note: hit.note, x: r.left, y: r.bottom });
      setSpoken(tokenSentence(hit.token, hit.note, mode));
    },
    [tokenAt, mode],
  );
  /** Opens the formula explainer on the token under `el` (click, or Enter on a token). */
  const pickToken = useCallback(
    (el: Element) => {
      const hit = tokenAt(el);
      if (hit && inspected)
        setPicked({
          step: inspected.step,
          group,
          r: Number(hit.span.dataset.r),
          i: Number(hit.span.dataset.i),
        });
    },
    [tokenAt, inspected, group],
  );
  const onKey = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      const target = e.target as HTMLElement;
      const inTokens = target.dataset.testid === 'token';
      if (inTokens && e.key === 'Enter') return pickToken(target);
      const action = inspectorShortcut(e, inTokens);
      const list = box.current;
      if (!action || !list) return;
      const rolloutEls = [...list.querySelectorAll<HTMLElement>('[data-testid="rollout"]')];
      const current = target.closest<HTMLElement>('[data-testid="rollout"]');
      const at = current ? rolloutEls.indexOf(current) : -1;
      const visibleTokens = (r: HTMLElement) =>
        [...r.querySelectorAll<HTMLElement>('[data-testid="token"]')].filter(
          (t) => !t.classList.contains('tok-cont'),
        );
      e.preventDefault();
      switch (action) {
        case 'prev-rollout':
        case 'next-rollout': {
          const next = rolloutEls[at + (action === 'next-rollout' ? 1 : -1)];
          next?.focus();
          return;
        }
        case 'prev-step':
        case 'next-step': {
          const step = neighbourStep(
            stored?.steps ?? [],
            inspectStep ?? inspected?.step ?? null,
            action === 'next-step' ? 1 : -1,
          );
          if (step !== null) selectStep(step);
          return;
        }
        case 'enter-tokens':
          if (current) visibleTokens(current)[0]?.focus();
          return;
        case 'prev-token':
        case 'next-token': {
          if (!current) return;
          const toks = visibleTokens(current);
          const i = toks.indexOf(target);
          toks[i + (action === 'next-token' ? 1 : -1)]?.focus();
          return;
        }
        case 'leave-tokens':
          setFocused(null);
          current?.focus();
          return;
      }
    },
    [stored, inspectStep, inspected, pickToken],
  );
  const first = rollouts[0];
  const card = hover ?? focused;
  return (
    <section
      className="panel inspector"
      data-testid="inspector"
      id="inspector"
      aria-label="Trajectory inspector"
    >
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
            {inspectStep !== null && !stored?.steps.includes(inspectStep) && (
              <option value={inspectStep}>{inspectStep} (saved run)</option>
            )}
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
            <Legend mode={mode} extent={extent} palette={palette} />
          </div>
          <div className="question">
            <strong>Q{group + 1}.</strong> {first.question}{' '}
            <span className="muted">(answer: {first.answer})</span>
          </div>
          <div
            ref={box}
            className="rollouts"
            data-testid="rollouts"
            onMouseOver={onOver}
            onMouseLeave={() => setHover(null)}
            onFocus={onFocus}
            onBlur={(e) => {
              if (!box.current?.contains(e.relatedTarget as Node | null)) setFocused(null);
            }}
            onKeyDown={onKey}
            onClick={(e) => pickToken(e.target as Element)}
          >
            {rollouts.map((t) => (
              <Rollout
                key={`${inspected.step}-${t.group}-${t.index}`}
                t={t}
                of={rollouts.length}
                mode={mode}
                extent={extent}
                palette={palette}
                strong={strong}
              />
            ))}
          </div>
          {picked &&
            picked.step === inspected.step &&
            picked.group === group &&
            rollouts.some((t) => t.index === picked.r) && (
              <TokenExplainer
                trajectory={rollouts.find((t) => t.index === picked.r)!}
                index={picked.i}
                onClose={() => setPicked(null)}
              />
            )}
          <Counterfactual step={inspected.step} group={first.group} rollouts={rollouts} />
        </>
      )}
      <div className="sr-only" aria-live="polite" data-testid="token-spoken">
        {spoken}
      </div>
      {card && <HoverCard h={card} mode={mode} />}
    </section>
  );
}
