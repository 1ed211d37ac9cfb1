/**
 * Credit for the student's own tokens inside a guided trajectory (the "prefix": its response up
 * to where the teacher's guidance starts). The guided trajectory is rewarded on its final answer,
 * which the teacher wrote; what the prefix gets is a choice:
 *
 *   'guided' (reference code, default): every token gets the guided trajectory's advantage A_i,
 *            so a wrong student answer that the teacher corrects is reinforced as if right;
 *   'own'  : prefix tokens get A_i^own, the advantage GRPO gives the student's unguided response
 *            in its group of unguided responses; the guidance keeps A_i;
 *   'none' : prefix tokens are left out of the loss (and its normaliser); the guidance keeps A_i.
 *
 * Unguided responses are untouched: every token gets A_i. Pure functions of plain numbers.
 */
import { lookupVariant } from './registry';

export type PrefixCredit = 'guided' | 'own' | 'none';

/** The registry of prefix-credit modes (what the prefix's tokens get). */
export const PREFIX_CREDITS: Record<PrefixCredit, { prefix: 'guided' | 'own' | 'drop' }> = {
  guided: { prefix: 'guided' }, // A_t = A_i for every token
  own: { prefix: 'own' }, // A_t = A_i^own for t < guidanceStart, A_i after
  none: { prefix: 'drop' }, // t < guidanceStart not in the loss, A_i after
};

/** Per-token advantages and loss membership of one response. */
export interface TokenCredit {
  advantage: number[];
  inLoss: boolean[];
}

/**
 * One response's per-token credit. `guidanceStart` is null for an unguided response, else the
 * index of its first teacher token. `ownAdvantage` is A_i^own (used by 'own' only).
 */
export function responseCredit(
  length: number,
  guidanceStart: number | null,
  advantage: number,
  ownAdvantage: number,
  mode: PrefixCredit,
): TokenCredit {
  const { prefix } = lookupVariant(PREFIX_CREDITS, 'prefix credit', mode);
  const out: TokenCredit = { advantage: new Array(length), inLoss: new Array(length) };
  for (let t = 0; t < length; t++) {
    const inPrefix = guidanceStart !== null && t < guidanceStart;
    out.advantage[t] = inPrefix && prefix === 'own' ? ownAdvantage : advantage;
    out.inLoss[t] = !(inPrefix && prefix === 'drop');
  }
  return out;
}
