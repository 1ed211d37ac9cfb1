import { describe, expect, it } from 'vitest';
import type { TaskItem } from '../tasks/types';
import { answersMatch, extractStudentAnswer, lastBoxed, lastNumber, parseNumeric } from './answer';

const item = (answer: string, choices?: string[]): TaskItem => ({
  id: 't',
  prompt: 'q',
  answer,
  source: 'generated',
  ...(choices ? { choices } : {}),
});

describe('answer extraction and comparison', () => {
  it('reads the last boxed answer with nested braces', () => {
    expect(lastBoxed('\\boxed{1} then \\boxed{\\frac{3}{4}}')).toBe('\\frac{3}{4}');
    expect(lastBoxed('no box')).toBeNull();
    expect(lastBoxed('\\boxed{unclosed')).toBeNull();
  });

  it('reads the last number', () => {
    expect(lastNumber('I have 3 apples and 1,200 pears.')).toBe('1,200');
    expect(lastNumber('half is 1/2')).toBe('1/2');
    expect(lastNumber('minus \u22124.5')).toBe('-4.5');
    expect(lastNumber('none')).toBeNull();
  });

  it('parses numbers in common notations', () => {
    expect(parseNumeric('$1,234.50')).toBe(1234.5);
    expect(parseNumeric('\\frac{3}{4}')).toBe(0.75);
    expect(parseNumeric('-3/4')).toBe(-0.75);
    expect(parseNumeric('25%')).toBe(25);
    expect(parseNumeric('abc')).toBeNull();
    expect(parseNumeric('1/0')).toBeNull();
  });

  it('compares numerically', () => {
    expect(answersMatch('18.0', item('18'))).toBe(true);
    expect(answersMatch('0.75', item('3/4'))).toBe(true);
    expect(answersMatch('\\dfrac{3}{4}', item('0.75'))).toBe(true);
    expect(answersMatch('18 dollars', item('18'))).toBe(true);
    expect(answersMatch('19', item('18'))).toBe(false);
    expect(answersMatch(null, item('18'))).toBe(false);
  });

  it('handles multiple choice', () => {
    const mc = item('C', ['red', 'green', 'blue']);
    expect(extractStudentAnswer('so \\boxed{(c)}', mc)).toBe('C');
    expect(extractStudentAnswer('The answer is B. Actually the answer is: C', mc)).toBe('C');
    expect(extractStudentAnswer('A farmer says', mc)).toBeNull();
    expect(answersMatch('blue', mc)).toBe(true);
    expect(answersMatch('B', mc)).toBe(false);
  });
});
