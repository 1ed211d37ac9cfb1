import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { answersMatch, gradeResponse } from './grade';
import { parseGsm8k } from './gsm8k';
import { parseLetterAnswer, parseNumericAnswer } from './numberParsing';
import type { TaskItem } from './types';

const GSM8K_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/data/gsm8k',
);

const item = (answer: string, extra: Partial<TaskItem> = {}): TaskItem => ({
  id: 't',
  prompt: 'q',
  answer,
  source: 'test',
  ...extra,
});

describe('parseNumericAnswer', () => {
  it.each([
    ['1,000', 1000],
    ['$1,234.50', 1234.5],
    ['150 mL', 150],
    ['12 dollars', 12],
    ['5 hours', 5],
    ['50%', 50],
    ['50\\%', 50],
    ['-7', -7],
    ['−7', -7],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1/2', 0.5],
    ['\\frac{1}{2}', 0.5],
    ['\\dfrac{3}{4}', 0.75],
    ['\\tfrac12', 0.5],
    ['-\\frac{1}{2}', -0.5],
    ['\\frac{-1}{2}', -0.5],
    ['\\text{18 apples}', 18],
    ['\\$18', 18],
    ['1{,}000', 1000],
    ['300 / 2 + 100 = 250', 250],
  ])('%s -> %s', (text, value) => {
    expect(parseNumericAnswer(text)).toBeCloseTo(value, 12);
  });

  it('returns null without a number or on division by zero', () => {
    expect(parseNumericAnswer('none')).toBeNull();
    expect(parseNumericAnswer('1/0')).toBeNull();
  });
});

describe('answersMatch', () => {
  it('numbers: commas, units, money, fractions, decimals, negatives, tolerance', () => {
    expect(answersMatch('1000', '1,000')).toBe(true);
    expect(answersMatch('150', '150 mL')).toBe(true);
    expect(answersMatch('1234.5', '$1,234.50')).toBe(true);
    expect(answersMatch('0.5', '1/2')).toBe(true);
    expect(answersMatch('1/2', '\\frac{1}{2}')).toBe(true);
    expect(answersMatch('0.5', '\\dfrac{1}{2}')).toBe(true);
    expect(answersMatch('-3', '-3')).toBe(true);
    expect(answersMatch('-3', '3')).toBe(false);
    expect(answersMatch('1000000', '1000000.5')).toBe(true); // within 1e-6 relative
    expect(answersMatch('1450000', '1450001')).toBe(false); // two integers: exact
    expect(answersMatch('0.1', '0.1000000001')).toBe(true);
    expect(answersMatch('1000', '1001')).toBe(false);
    expect(answersMatch('0.3333333', '1/3')).toBe(true);
    expect(answersMatch('18', 'eighteen')).toBe(false);
  });

  it('letters: B, (B), B), \\boxed{B}, \\text{B}, option B', () => {
    for (const text of ['B', '(B)', 'B)', 'B.', '\\text{B}', 'option B', 'B) 250', '(b)']) {
      expect(parseLetterAnswer(text), text).toBe('B');
      expect(answersMatch('B', text), text).toBe(true);
    }
    expect(answersMatch('B', 'C')).toBe(false);
    expect(parseLetterAnswer('Because')).toBeNull();
    expect(parseLetterAnswer('a')).toBeNull();
  });
});

describe('gradeResponse', () => {
  it('reports extraction, correctness and format', () => {
    const r = gradeResponse(item('0.5'), 'Half: \\boxed{\\frac{1}{2}}', { endedWithEos: true });
    expect(r).toEqual({
      extracted: '\\frac{1}{2}',
      method: 'boxed',
      correct: true,
      boxedCount: 1,
      format: { endedWithEos: true, exactlyOneBoxed: true, answerFound: true },
    });
  });

  it('two boxed answers: the last is graded and exactlyOneBoxed is false', () => {
    const r = gradeResponse(item('4'), '\\boxed{3} no wait \\boxed{4}', { endedWithEos: false });
    expect(r.extracted).toBe('4');
    expect(r.correct).toBe(true);
    expect(r.boxedCount).toBe(2);
    expect(r.format).toEqual({ endedWithEos: false, exactlyOneBoxed: false, answerFound: true });
  });

  it('money, units and negative numbers in prose', () => {
    const g = (answer: string, text: string): boolean =>
      gradeResponse(item(answer), text, { endedWithEos: true }).correct;
    expect(g('1234.5', 'She has $1,234.50 in total. The answer is $1,234.50.')).toBe(true);
    expect(g('250', 'So the tank has \\boxed{250 \\text{ mL}}')).toBe(true);
    expect(g('-4', 'The answer is -4')).toBe(true);
    expect(g('4', 'The answer is -4')).toBe(false);
    expect(g('12', 'It costs 12 dollars')).toBe(true);
    expect(g('12', 'nothing')).toBe(false);
  });

  it('multiple choice by letter', () => {
    const mc = item('B', { choices: ['1', '2', '3', '4', '5'] });
    const g = (text: string): boolean => gradeResponse(mc, text, { endedWithEos: true }).correct;
    expect(g('\\boxed{B}')).toBe(true);
    expect(g('The answer is (B).')).toBe(true);
    expect(g('The answer is B')).toBe(true);
    expect(g('#### B)')).toBe(true);
    expect(g('\\boxed{2}')).toBe(false);
    expect(g('The answer is A')).toBe(false);
  });

  it('every GSM8K test ground truth grades correct against itself and wrong when perturbed', () => {
    const text = readFileSync(path.join(GSM8K_DIR, 'test.jsonl'), 'utf8');
    const { items, errors } = parseGsm8k(text, 'test');
    expect(errors).toEqual([]);
    expect(items.length).toBe(1319);
    const opts = { endedWithEos: true };
    for (const it of items) {
      const n = Number(it.answer);
      const formatted = n.toLocaleString('en-US', { maximumFractionDigits: 10 });
      for (const wrap of [
        `Let's see.\nThe answer is ${it.answer}.`,
        `Working... so \\boxed{${it.answer}}`,
        `Working... so \\boxed{${formatted}}`,
        `${it.steps?.join('\n')}\n#### ${it.answer}`,
      ]) {
        expect(gradeResponse(it, wrap, opts).correct, `${it.id}: ${wrap}`).toBe(true);
      }
      for (const wrong of [n + 1, n * 10 === n ? 1 : n * 10]) {
        expect(gradeResponse(it, `The answer is ${wrong}.`, opts).correct, it.id).toBe(false);
        expect(gradeResponse(it, `\\boxed{${wrong}}`, opts).correct, it.id).toBe(false);
      }
    }
  });
});
