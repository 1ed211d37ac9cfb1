import { describe, expect, it } from 'vitest';
import { extractAnswer, findBoxed, findLastNumber } from './answer';

describe('extractAnswer', () => {
  it('takes the last \\boxed{} with nested braces and counts boxed groups', () => {
    const r = extractAnswer('so \\boxed{\\frac{1}{2}} done');
    expect(r).toEqual({ value: '\\frac{1}{2}', method: 'boxed', boxedCount: 1 });
    const two = extractAnswer('first \\boxed{3} then \\boxed{ {4} } end');
    expect(two.value).toBe('{4}');
    expect(two.boxedCount).toBe(2);
    expect(extractAnswer('\\boxed{\\boxed{7}}').value).toBe('7');
    expect(extractAnswer('\\boxed {12}').value).toBe('12');
  });

  it('ignores an unclosed \\boxed{ and escaped braces', () => {
    expect(findBoxed('\\boxed{5} and \\boxed{6')).toEqual(['5']);
    expect(findBoxed('\\boxed{a\\}b}')).toEqual(['a\\}b']);
  });

  it('gives no answer for a \\boxed{ that is never closed: the last-number fallback does not apply', () => {
    expect(extractAnswer('so it is \\boxed{5')).toEqual({
      value: null,
      method: null,
      boxedCount: 0,
      unclosedBox: true,
    });
    // A complete box before it does not count either: the final answer was cut off.
    expect(extractAnswer('\\boxed{5} wait, \\boxed{6').value).toBeNull();
    expect(extractAnswer('The answer is 5. \\boxed{5').value).toBeNull();
    // "\\boxed 5" opens no box; with 'boxed' switched off the other methods still read it.
    expect(extractAnswer('\\boxed 5').value).toBe('5');
    expect(extractAnswer('x \\boxed{5', { methods: ['lastNumber'] }).value).toBe('5');
  });

  it('finds "The answer is X", "#### X" and the last number, in order', () => {
    expect(extractAnswer('blah. The answer is 18. Then 20.')).toMatchObject({
      value: '18',
      method: 'answerIs',
    });
    expect(extractAnswer('The final answer is: $1,234.50.').value).toBe('$1,234.50');
    expect(extractAnswer('work\n#### 72\n')).toMatchObject({ value: '72', method: 'hashes' });
    expect(extractAnswer('I think 3 then 4.5 apples')).toMatchObject({
      value: '4.5',
      method: 'lastNumber',
    });
    expect(extractAnswer('no digits here')).toEqual({ value: null, method: null, boxedCount: 0 });
  });

  it('respects a custom order and switched-off methods', () => {
    const text = 'The answer is 5. \\boxed{6} 7';
    expect(extractAnswer(text).value).toBe('6');
    expect(extractAnswer(text, { methods: ['answerIs', 'boxed'] }).value).toBe('5');
    expect(extractAnswer(text, { methods: ['lastNumber'] }).value).toBe('7');
    expect(extractAnswer('just 9', { methods: ['boxed', 'answerIs'] }).value).toBeNull();
  });

  it('last number understands fractions, negatives and thousands', () => {
    expect(findLastNumber('x is \\frac{3}{4}')).toBe('\\frac{3}{4}');
    expect(findLastNumber('temp -12 and 1,000')).toBe('1,000');
    expect(findLastNumber('ratio 1/2')).toBe('1/2');
    expect(findLastNumber('down to -5')).toBe('-5');
  });
});

describe('extraction fuzz: hostile input completes quickly without throwing', () => {
  const timed = (text: string): number => {
    const t0 = performance.now();
    extractAnswer(text);
    return performance.now() - t0;
  };

  it('random bytes', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    for (let k = 0; k < 200; k++) {
      const chars = Array.from({ length: 2000 }, () => String.fromCharCode(rand() % 0x10000));
      expect(timed(chars.join(''))).toBeLessThan(500);
    }
    const alphabet = '\\boxed{}#answer is 0123456789,./-$%frac ';
    for (let k = 0; k < 200; k++) {
      const text = Array.from({ length: 3000 }, () => alphabet[rand() % alphabet.length]).join('');
      expect(timed(text)).toBeLessThan(500);
    }
  });

  it('10^4-deep nested braces', () => {
    const deep = `\\boxed{${'{'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    expect(timed(deep)).toBeLessThan(500);
    expect(extractAnswer(deep).boxedCount).toBe(1);
    const unclosed = `\\boxed{${'{'.repeat(10_000)}`;
    expect(timed(unclosed)).toBeLessThan(500);
    const nestedBoxed = `${'\\boxed{'.repeat(10_000)}2${'}'.repeat(10_000)}`;
    expect(timed(nestedBoxed)).toBeLessThan(1000);
    expect(timed('\\boxed{'.repeat(10_000))).toBeLessThan(500);
  });

  it('a 1 MB line', () => {
    const mb = 1 << 20;
    for (const unit of ['9', ' ', '1,', 'answer is ', '####', '\\frac{1}{', '-', '<<', 'a']) {
      const text = unit.repeat(Math.ceil(mb / unit.length));
      expect(timed(text), JSON.stringify(unit)).toBeLessThan(1500);
    }
  });
});
