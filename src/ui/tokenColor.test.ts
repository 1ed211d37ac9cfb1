import { describe, expect, it } from 'vitest';
import type { TokenRecord } from '../contract/loopRecords';
import { DEFICIENCIES, deltaE, over, simulate } from './colorVision';
import {
  colorFor,
  displayText,
  legendRange,
  luminance,
  MAX_ALPHA,
  PROJECTOR_BACKGROUND,
  ROLLOUT_BACKGROUND,
  scaleExtent,
  scaleFor,
  textColorOn,
  tokenValue,
  valueText,
  type Rgb,
} from './tokenColor';

const token = (p: Partial<TokenRecord>): TokenRecord => ({
  id: 1,
  text: 'a',
  part: 'student',
  logprob: -2,
  oldLogprob: -2.1,
  ratio: Math.exp(0.1),
  advantage: 0.5,
  entropy: 1.5,
  clippedLow: false,
  clippedHigh: false,
  offPolicy: false,
  masked: false,
  weight: -0.3,
  ...p,
});

describe('token colours', () => {
  it('reads each mode on its scale', () => {
    const t = token({});
    expect(tokenValue(t, 'advantage')).toBe(0.5);
    expect(tokenValue(t, 'ratio')).toBeCloseTo(0.1, 12);
    expect(tokenValue(t, 'logprob')).toBe(2);
    expect(tokenValue(t, 'entropy')).toBe(1.5);
    expect(tokenValue(t, 'weight')).toBe(0.3);
    expect(tokenValue(token({ logprob: NaN }), 'logprob')).toBeNaN();
  });

  it('diverges around zero: green above, red below, alpha by |v| / extent', () => {
    expect(colorFor(1, 'advantage', 2)).toEqual({
      background: `rgba(34, 197, 94, ${MAX_ALPHA / 2})`,
      alpha: MAX_ALPHA / 2,
      rgb: [34, 197, 94],
    });
    expect(colorFor(-2, 'advantage', 2).background).toBe(`rgba(239, 68, 68, ${MAX_ALPHA})`);
    expect(colorFor(-0.5, 'ratio', 1).background.startsWith('rgba(239, 68, 68')).toBe(true);
  });

  it('is transparent for zero and NaN, and clamps beyond the extent', () => {
    expect(colorFor(0, 'advantage', 1)).toEqual({ background: 'transparent', alpha: 0, rgb: null });
    expect(colorFor(NaN, 'entropy', 1).alpha).toBe(0);
    expect(colorFor(1, 'entropy', 0).alpha).toBe(0);
    expect(colorFor(50, 'logprob', 5).alpha).toBe(MAX_ALPHA);
    // Sequential scales use one colour whatever the sign.
    expect(colorFor(-1, 'weight', 1).background).toBe(colorFor(1, 'weight', 1).background);
  });

  it('takes the extent from finite values, with a floor', () => {
    expect(scaleExtent([0.2, -0.7, NaN, Infinity])).toBe(0.7);
    expect(scaleExtent([0, 0])).toBe(1e-6);
    expect(scaleExtent([], 0.5)).toBe(0.5);
  });

  it('shows invisible whitespace', () => {
    expect(displayText('a\nb\t')).toBe('a↵\nb⇥');
    expect(displayText('')).toBe('∅');
  });

  it('says "all rewards equal: A = 0" for a zero-spread group, not ±0.0000010', () => {
    const flat = scaleExtent([0, 0, 0]);
    expect(legendRange('advantage', flat)).toEqual({ flat: 'all rewards equal: A = 0' });
    expect(legendRange('advantage', 0.5)).toEqual({ low: '−0.5', high: '+0.5' });
    expect(legendRange('entropy', 2.345)).toEqual({ low: '0', high: '2.3' });
    expect(valueText(0.5, 'advantage')).toBe('advantage A +0.5');
    expect(valueText(NaN, 'ratio')).toBe('log ratio log r: not in the update');
  });
});

describe('colour-blind-safe palette (simulated)', () => {
  /** The inspector's dark rollout background. */
  const BG: Rgb = [11, 18, 32];
  /** How far apart the strongest positive and negative token backgrounds look. */
  const apart = (palette: 'red-green' | 'blue-orange', view: (c: Rgb) => Rgb) => {
    const s = scaleFor('advantage', palette);
    return deltaE(view(over(s.positive, MAX_ALPHA, BG)), view(over(s.negative, MAX_ALPHA, BG)));
  };

  it('the simulator sees the problem: green and red nearly merge under deuteranopia', () => {
    const normal = apart('red-green', (c) => c);
    expect(normal).toBeGreaterThan(100);
    expect(apart('red-green', (c) => simulate(c, 'deuteranopia'))).toBeLessThan(15);
    expect(apart('red-green', (c) => simulate(c, 'protanopia'))).toBeLessThan(normal / 3);
  });

  it('blue / orange stay far apart for every dichromacy', () => {
    for (const d of DEFICIENCIES)
      expect(
        apart('blue-orange', (c) => simulate(c, d)),
        d,
      ).toBeGreaterThan(40);
    // ...and each end stays visible against the background at half strength.
    const s = scaleFor('advantage', 'blue-orange');
    for (const d of DEFICIENCIES)
      for (const c of [s.positive, s.negative])
        expect(deltaE(simulate(over(c, MAX_ALPHA / 2, BG), d), simulate(BG, d))).toBeGreaterThan(
          15,
        );
    expect(colorFor(1, 'advantage', 1, 'blue-orange').background).toBe(
      `rgba(86, 180, 233, ${MAX_ALPHA})`,
    );
  });
});

describe('token text colour', () => {
  it('picks black or white for at least 4.5:1 on every colour and strength, in both looks', () => {
    const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    for (const palette of ['red-green', 'blue-orange'] as const)
      for (const [maxAlpha, base] of [
        [MAX_ALPHA, ROLLOUT_BACKGROUND],
        [1, PROJECTOR_BACKGROUND],
      ] as const)
        for (let v = -1; v <= 1; v += 0.05) {
          const c = colorFor(v, 'advantage', 1, palette, maxAlpha);
          if (!c.rgb) continue;
          const text = textColorOn(c, base);
          const t = luminance(text === '#000' ? [0, 0, 0] : [255, 255, 255]);
          const bg = luminance(over(c.rgb, c.alpha, base));
          expect(contrast(t, bg), `${palette} ${v}`).toBeGreaterThanOrEqual(4.5);
        }
    expect(textColorOn(colorFor(0, 'advantage', 1))).toBeNull();
    expect(textColorOn(colorFor(1, 'advantage', 1, 'blue-orange', 1), PROJECTOR_BACKGROUND)).toBe(
      '#000',
    );
  });
});
