/**
 * The inspector's colour math (after CircuitsVis's ColoredTokens): a token's value under a
 * colour mode, the extent of the scale over the tokens shown, and the colour of one value.
 * Pure functions; the inspector only renders what they return.
 *
 *   diverging (advantage, ratio): centre 0 (ratio on log r), red below, green above;
 *   sequential (logprob as surprise −log p, entropy, |shaping weight|): transparent to colour.
 *   alpha = min(1, |v| / extent) · MAX_ALPHA; NaN (token not in the update) gets no colour.
 */
import type { TokenRecord } from '../engine/loop/types';
import type { ColorMode } from '../state/slices';

export type Rgb = readonly [number, number, number];

export interface ScaleSpec {
  kind: 'diverging' | 'sequential';
  /** Colour of values above the centre (diverging) or of every value (sequential). */
  positive: Rgb;
  /** Colour of values below the centre (diverging only). */
  negative: Rgb;
  /** What the scale shows, for the legend. */
  label: string;
}

const RED: Rgb = [239, 68, 68];
const GREEN: Rgb = [34, 197, 94];
const ORANGE: Rgb = [249, 115, 22];
const VIOLET: Rgb = [167, 139, 250];
const CYAN: Rgb = [34, 211, 238];

export const SCALES: Record<ColorMode, ScaleSpec> = {
  advantage: { kind: 'diverging', positive: GREEN, negative: RED, label: 'advantage A' },
  ratio: { kind: 'diverging', positive: GREEN, negative: RED, label: 'log ratio log r' },
  logprob: { kind: 'sequential', positive: ORANGE, negative: ORANGE, label: 'surprise −log p' },
  entropy: { kind: 'sequential', positive: VIOLET, negative: VIOLET, label: 'entropy H' },
  weight: { kind: 'sequential', positive: CYAN, negative: CYAN, label: 'shaping weight |w|' },
};

/** Strongest background alpha, so the token's text stays readable. */
export const MAX_ALPHA = 0.85;

/** The number a token is coloured by, on the mode's scale (NaN when unknown). */
export function tokenValue(t: TokenRecord, mode: ColorMode): number {
  switch (mode) {
    case 'advantage':
      return t.advantage;
    case 'ratio':
      return Math.log(t.ratio);
    case 'logprob':
      return -t.logprob;
    case 'entropy':
      return t.entropy;
    case 'weight':
      return Math.abs(t.weight);
  }
}

/** The scale's extent over the values shown: max |v| (finite ones), at least `floor`. */
export function scaleExtent(values: Iterable<number>, floor = 1e-6): number {
  let m = floor;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return m;
}

export interface TokenColor {
  /** CSS background, e.g. "rgba(34, 197, 94, 0.425)"; "transparent" for 0 or NaN. */
  background: string;
  /** The alpha used, 0..MAX_ALPHA. */
  alpha: number;
}

/** The colour of value `v` on `mode`'s scale with the given extent. */
export function colorFor(v: number, mode: ColorMode, extent: number): TokenColor {
  if (!Number.isFinite(v) || v === 0 || !(extent > 0))
    return { background: 'transparent', alpha: 0 };
  const s = SCALES[mode];
  const strength = Math.min(1, Math.abs(v) / extent);
  const alpha = Math.round(strength * MAX_ALPHA * 1000) / 1000;
  const [r, g, b] = s.kind === 'diverging' && v < 0 ? s.negative : s.positive;
  return { background: `rgba(${r}, ${g}, ${b}, ${alpha})`, alpha };
}

/** How a token's text is shown: whitespace made visible where it would vanish. */
export function displayText(text: string): string {
  if (text === '') return '∅';
  return text.replace(/\n/g, '↵\n').replace(/\t/g, '⇥');
}
