import { memo } from 'react';
import type { TokenPart, TokenRecord, Trajectory } from '../contract/loopRecords';
import type { ColorMode, Palette } from '../state/slices';
import {
  colorFor,
  displayText,
  MAX_ALPHA,
  PROJECTOR_BACKGROUND,
  ROLLOUT_BACKGROUND,
  textColorOn,
  tokenValue,
} from './tokenColor';
import { shownFor, type ShownToken } from './tokenDisplay';

/** A run of consecutive tokens of one part (student text, or a piece of the guidance). */
interface Segment {
  part: TokenPart;
  start: number;
  tokens: TokenRecord[];
}

function segments(tokens: readonly TokenRecord[]): Segment[] {
  const out: Segment[] = [];
  tokens.forEach((t, i) => {
    const last = out[out.length - 1];
    if (last && last.part === t.part) last.tokens.push(t);
    else out.push({ part: t.part, start: i, tokens: [t] });
  });
  return out;
}

const PART_LABEL: Partial<Record<TokenPart, string>> = {
  reason: 'teacher · reason',
  phrase: 'teacher · phrase',
};

function tokenClass(t: TokenRecord, s: ShownToken): string {
  let c = 'tok';
  if (t.offPolicy) c += ' tok-off';
  if (t.clippedLow) c += ' tok-clip-low';
  if (t.clippedHigh) c += ' tok-clip-high';
  if (t.masked) c += ' tok-masked';
  if (t.part !== 'student') c += ` tok-part-${t.part}`;
  if (s.escaped) c += ' tok-esc';
  if (s.continues) c += ' tok-cont';
  return c;
}

export interface TokenViewProps {
  trajectory: Trajectory;
  /** Rollout index within the group (for the hover card). */
  rollout: number;
  mode: ColorMode;
  /** Scale extent shared by the group, so colours compare across rollouts. */
  extent: number;
  palette?: Palette;
  /** Projector mode: full-strength colours on black. */
  strong?: boolean;
}

/**
 * A rollout's tokens as coloured spans (CircuitsVis-style heat map). Teacher-written tokens are
 * set apart in labelled blocks; clipped tokens are underlined, masked ones struck through.
 * Byte tokens are joined into the characters they form and the rest is escaped
 * (tokenDisplay.ts). Text is rendered as React text nodes, never as HTML. Each token is one
 * span (tabIndex -1: the inspector moves the focus over them with the arrow keys).
 */
export const TokenView = memo(function TokenView({
  trajectory,
  rollout,
  mode,
  extent,
  palette = 'red-green',
  strong = false,
}: TokenViewProps) {
  const shown = shownFor(trajectory.tokens);
  return (
    <div className="tokens">
      {segments(trajectory.tokens).map((seg) => {
        const spans = seg.tokens.map((t, k) => {
          const i = seg.start + k;
          const s = shown[i];
          const c = colorFor(tokenValue(t, mode), mode, extent, palette, strong ? 1 : MAX_ALPHA);
          const base = strong ? PROJECTOR_BACKGROUND : ROLLOUT_BACKGROUND;
          const { background } = c;
          const color = textColorOn(c, base) ?? undefined;
          return (
            <span
              key={i}
              className={tokenClass(t, s)}
              style={{ background, color }}
              tabIndex={-1}
              data-testid="token"
              data-r={rollout}
              data-i={i}
              data-part={t.part}
              data-adv={String(t.advantage)}
              data-offpolicy={String(t.offPolicy)}
              data-clipped={String(t.clippedLow || t.clippedHigh)}
              data-masked={String(t.masked)}
            >
              {s.continues ? '' : displayText(s.text)}
            </span>
          );
        });
        if (seg.part === 'student') return <span key={seg.start}>{spans}</span>;
        const label = PART_LABEL[seg.part];
        return (
          <span key={seg.start} className={`teacher-seg part-${seg.part}`}>
            {label && <span className="part-label">{label}</span>}
            {spans}
          </span>
        );
      })}
    </div>
  );
});
