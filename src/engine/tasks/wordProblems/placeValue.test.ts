import { describe, expect, it } from 'vitest';
import { generateProblems, generateTracedProblems } from '../generated';
import { ALL_DOMAINS } from '../../../contract/domains';
import { op } from './ops';
import {
  addChain,
  divChain,
  mulChain,
  placeValueChain,
  subChain,
  withPlaceValue,
} from './placeValue';

/** Evaluate "a op b op c" with * and / before + and - (non-negative numbers). */
function evalExpression(expr: string): number {
  const tokens = expr.split(' ');
  const terms: number[] = [Number(tokens[0])];
  const signs: number[] = [1];
  for (let i = 1; i < tokens.length; i += 2) {
    const v = Number(tokens[i + 1]);
    if (tokens[i] === '*') terms[terms.length - 1] *= v;
    else if (tokens[i] === '/') terms[terms.length - 1] /= v;
    else {
      terms.push(v);
      signs.push(tokens[i] === '-' ? -1 : 1);
    }
  }
  return terms.reduce((sum, t, i) => sum + signs[i] * t, 0);
}

describe('place-value chains', () => {
  it('split off the ones, borrowing a ten when needed (hand-worked)', () => {
    expect(addChain(37, 8)).toEqual(['30 + 15']);
    expect(addChain(21, 3)).toEqual(['20 + 4']);
    expect(addChain(19, 48)).toEqual(['59 + 8', '50 + 17']);
    expect(subChain(27, 5)).toEqual(['20 + 7 - 5', '20 + 2']);
    expect(subChain(23, 7)).toEqual(['10 + 13 - 7', '10 + 6']);
    expect(subChain(63, 12)).toEqual(['53 - 2', '50 + 3 - 2', '50 + 1']);
    expect(mulChain(14, 3)).toEqual(['10 * 3 + 4 * 3', '30 + 12', '40 + 2']);
    expect(divChain(38, 2)).toEqual(['20 / 2 + 18 / 2', '10 + 9']);
    expect(placeValueChain(23, op('subProduct', 5, 3))).toEqual(['23 - 15', '13 - 5']);
  });

  it('leave one-digit facts and round operands plain', () => {
    expect(addChain(3, 4)).toEqual([]);
    expect(addChain(30, 7)).toEqual([]);
    expect(addChain(43, 20)).toEqual([]);
    expect(subChain(13, 7)).toEqual([]);
    expect(subChain(9, 4)).toEqual([]);
    expect(divChain(14, 2)).toEqual([]);
    expect(divChain(40, 2)).toEqual([]);
    expect(mulChain(12, 15)).toEqual([]);
    expect(placeValueChain(30, op('scale', 2, 3))).toEqual([]);
  });

  it('inserts the chain after the equation and keeps the rest of the step', () => {
    const step = 'Spending $5 leaves 27 - 5 = $22.';
    expect(withPlaceValue(step, 27, op('sub', 5))).toBe(
      'Spending $5 leaves 27 - 5 = 20 + 7 - 5 = 20 + 2 = $22.',
    );
    expect(withPlaceValue('No equation here.', 27, op('sub', 5))).toBe('No equation here.');
  });

  it('every expression of every generated chain equals the step result', () => {
    const items = generateTracedProblems({
      seed: 3,
      count: 600,
      levels: [1, 2, 3, 4],
      split: 'train',
      domains: ALL_DOMAINS,
      workedDetail: 'place-value',
    });
    let chained = 0;
    for (const { item } of items) {
      for (const step of item.steps ?? []) {
        const m = /((?:\d+ [-+*/] )+\d+(?: = (?:\d+ [-+*/] )+\d+)*) = \$?(\d+)\b/.exec(step);
        if (!m) continue;
        const parts = m[1].split(' = ');
        if (parts.length > 1) chained++;
        for (const expr of parts) expect(evalExpression(expr), step).toBe(Number(m[2]));
      }
    }
    expect(chained).toBeGreaterThan(300);
  });

  it('never changes the questions or answers (same split, same items)', () => {
    const o = { seed: 5, count: 200, levels: [1, 2], split: 'eval' as const };
    const plain = generateProblems(o);
    const detailed = generateProblems({ ...o, workedDetail: 'place-value' });
    expect(detailed.map((i) => [i.id, i.prompt, i.answer])).toEqual(
      plain.map((i) => [i.id, i.prompt, i.answer]),
    );
    expect(detailed.some((d, i) => d.steps?.join() !== plain[i].steps?.join())).toBe(true);
  });
});
