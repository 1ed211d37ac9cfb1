/**
 * The inspector's colour math (after CircuitsVis's ColoredTokens): a token's value under a
 * colour mode, the extent of the scale over the tokens shown, and the colour of one value.
 * Pure functions; the inspector only renders what they return.
 *
 *   diverging (advantage, ratio): centre 0 (ratio on log r), red below, green above;
 *   sequential (logprob as surprise −log p, entropy, |shaping weight|): transparent to colour.
 *   alpha = min(1, |v| / extent) · MAX_ALPHA; NaN (token not in the update) gets no colour.
 */
import type { TokenRecord } from '../contract/loopRecords';
import type { ColorMode, Palette } from '../state/slices';

export { PALETTES, type Palette } from '../state/slices';

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
/** Okabe & Ito's colour-blind-safe pair: sky blue and orange (they differ in lightness too). */
const SKY_BLUE: Rgb = [86, 180, 233];
const OKABE_ORANGE: Rgb = [230, 159, 0];

/**
 * The diverging scales' colours: green above / red below (the usual reading, but red and green
 * look alike to about 1 in 12 men), or blue above / orange below, which stay apart under
 * protanopia, deuteranopia and tritanopia (colorVision.ts; tokenColor.test.ts checks both).
 */

export const PALETTE_LABELS: Record<Palette, string> = {
  'red-green': 'green / red',
  'blue-orange': 'blue / orange (colour-blind safe)',
};

const DIVERGING: Record<Palette, { positive: Rgb; negative: Rgb }> = {
  'red-green': { positive: GREEN, negative: RED },
  'blue-orange': { positive: SKY_BLUE, negative: OKABE_ORANGE },
};

/** The colour scale of a mode under a palette (sequential scales are one hue: any palette). */
export function scaleFor(mode: ColorMode, palette: Palette = 'red-green'): ScaleSpec {
  const d = DIVERGING[palette];
  switch (mode) {
    case 'advantage':
      return { kind: 'diverging', ...d, label: 'advantage A' };
    case 'ratio':
      return { kind: 'diverging', ...d, label: 'log ratio log r' };
    case 'logprob':
      return { kind: 'sequential', positive: ORANGE, negative: ORANGE, label: 'surprise −log p' };
    case 'entropy':
      return { kind: 'sequential', positive: VIOLET, negative: VIOLET, label: 'entropy H' };
    case 'weight':
      return { kind: 'sequential', positive: CYAN, negative: CYAN, label: 'shaping weight |w|' };
  }
}

/** The default palette's scales (kept for callers that do not choose one). */
export const SCALES: Record<ColorMode, ScaleSpec> = {
  advantage: scaleFor('advantage'),
  ratio: scaleFor('ratio'),
  logprob: scaleFor('logprob'),
  entropy: scaleFor('entropy'),
  weight: scaleFor('weight'),
};

/** The floor of scaleExtent: an extent at or below it means every value shown is 0. */
export const EXTENT_FLOOR = 1e-6;

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
export function scaleExtent(values: Iterable<number>, floor = EXTENT_FLOOR): number {
  let m = floor;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return m;
}

export interface TokenColor {
  /** CSS background, e.g. "rgba(34, 197, 94, 0.425)"; "transparent" for 0 or NaN. */
  background: string;
  /** The alpha used, 0..MAX_ALPHA. */
  alpha: number;
  /** The scale's colour at full strength (null: no background). */
  rgb: Rgb | null;
}

/** The colour of value `v` on `mode`'s scale with the given extent. */
export function colorFor(
  v: number,
  mode: ColorMode,
  extent: number,
  palette: Palette = 'red-green',
  maxAlpha = MAX_ALPHA,
): TokenColor {
  if (!Number.isFinite(v) || v === 0 || !(extent > 0))
    return { background: 'transparent', alpha: 0, rgb: null };
  const s = scaleFor(mode, palette);
  const strength = Math.min(1, Math.abs(v) / extent);
  const alpha = Math.round(strength * maxAlpha * 1000) / 1000;
  const [r, g, b] = s.kind === 'diverging' && v < 0 ? s.negative : s.positive;
  return { background: `rgba(${r}, ${g}, ${b}, ${alpha})`, alpha, rgb: [r, g, b] };
}

/** How a token's text is shown: whitespace made visible where it would vanish. */
export function displayText(text: string): string {
  if (text === '') return '∅';
  return text.replace(/\n/g, '↵\n').replace(/\t/g, '⇥');
}

/** Relative luminance (WCAG) of an sRGB colour. */
export function luminance([r, g, b]: Rgb): number {
  const f = (v: number) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

/** The rollouts' background in the normal and the projector (black) look. */
export const ROLLOUT_BACKGROUND: Rgb = [11, 18, 32];
export const PROJECTOR_BACKGROUND: Rgb = [0, 0, 0];

/**
 * The text colour with the higher contrast on a token's background (its colour at its alpha
 * over `base`): black or white, whichever reads better; null with no background. Either choice
 * gives at least 4.5:1 (WCAG AA): the two meet at luminance 0.179, where both give 4.58.
 */
export function textColorOn(c: TokenColor, base: Rgb = ROLLOUT_BACKGROUND): '#000' | '#fff' | null {
  if (!c.rgb || c.alpha === 0) return null;
  const rgb = c.rgb;
  const l = luminance(
    [0, 1, 2].map((i) => rgb[i] * c.alpha + base[i] * (1 - c.alpha)) as unknown as Rgb,
  );
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000' : '#fff';
}

/**
 * The legend's ends for a scale's extent, or one line when every value shown is 0: a group
 * whose rewards are all equal has A = 0 on every token (not "−0.0000010 … +0.0000010").
 */
export function legendRange(
  mode: ColorMode,
  extent: number,
): { low: string; high: string } | { flat: string } {
  const s = scaleFor(mode);
  if (extent <= EXTENT_FLOOR) {
    const flat: Record<ColorMode, string> = {
      advantage: 'all rewards equal: A = 0',
      ratio: 'ratio 1 on every token (log r = 0)',
      logprob: 'surprise 0 on every token',
      entropy: 'entropy 0 on every token',
      weight: 'shaping weight 0 on every token',
    };
    return { flat: flat[mode] };
  }
  const e = Number(extent.toPrecision(2));
  return s.kind === 'diverging' ? { low: `−${e}`, high: `+${e}` } : { low: '0', high: String(e) };
}

/** A token's value in words for screen readers and the focus card ("advantage +0.50"). */
export function valueText(v: number, mode: ColorMode): string {
  const s = scaleFor(mode);
  if (!Number.isFinite(v)) return `${s.label}: not in the update`;
  const sign = s.kind === 'diverging' && v > 0 ? '+' : '';
  return `${s.label} ${sign}${Number(v.toPrecision(3))}`;
}
