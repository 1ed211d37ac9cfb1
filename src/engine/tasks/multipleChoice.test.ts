import { describe, expect, it } from 'vitest';
import { gradeResponse } from './grade';
import { CHOICE_LETTERS, generateMultipleChoice, mistakeValues } from './multipleChoice';
import { op } from './wordProblems/ops';

describe('mistakeValues', () => {
  it('covers the seed example mistakes: wrong order, dropped step, wrong operation', () => {
    // 300 mL, remove half, add 100 -> 250.
    const values = mistakeValues({ start: 300, ops: [op('div', 2), op('add', 100)] });
    const byKind = (k: string): number[] => values.filter((m) => m.kind === k).map((m) => m.value);
    expect(byKind('wrong-order')).toContain(200); // (300 + 100) / 2
    expect(byKind('dropped-step')).toEqual(expect.arrayContaining([150, 400]));
    expect(byKind('wrong-operation')).toEqual(expect.arrayContaining([700, 50]));
    expect(byKind('off-by-one')).toEqual([251, 249]);
  });

  it('includes the left-to-right precedence mistake for x - a * b', () => {
    const values = mistakeValues({ start: 120, ops: [op('subProduct', 3, 4)] });
    expect(values).toContainEqual({ kind: 'precedence', value: (120 - 3) * 4 });
  });
});

describe('generateMultipleChoice', () => {
  const items = generateMultipleChoice({ seed: 4, count: 500, split: 'train' });

  it('lists five options A-E in the prompt and answers with a letter', () => {
    for (const item of items) {
      expect(item.choices).toHaveLength(5);
      expect(CHOICE_LETTERS).toContain(item.answer);
      expect(item.source).toBe('multiple-choice');
      item.choices?.forEach((c, i) => expect(item.prompt).toContain(`${CHOICE_LETTERS[i]}) ${c}`));
    }
  });

  it('has distinct distractors, none equal to the correct value', () => {
    for (const item of items) {
      const choices = item.choices ?? [];
      expect(new Set(choices).size).toBe(5);
      const correct = choices[CHOICE_LETTERS.indexOf(item.answer as 'A')];
      const lastStep = item.steps?.[item.steps.length - 2] ?? '';
      expect(lastStep.replace(/\$/g, '')).toMatch(new RegExp(`= ${correct}\\b`));
    }
  });

  it('balances the correct position over A-E', () => {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(item.answer, (counts.get(item.answer) ?? 0) + 1);
    for (const letter of CHOICE_LETTERS) expect(counts.get(letter)).toBe(100);
  });

  it('is deterministic and graded by letter', () => {
    expect(generateMultipleChoice({ seed: 4, count: 20, split: 'train' })).toEqual(
      items.slice(0, 20),
    );
    const item = items[0];
    const wrong = CHOICE_LETTERS.find((l) => l !== item.answer) as string;
    const ok = (text: string): boolean => gradeResponse(item, text, { endedWithEos: true }).correct;
    expect(ok(`So the answer is \\boxed{${item.answer}}`)).toBe(true);
    expect(ok(`The answer is (${item.answer}).`)).toBe(true);
    expect(ok(`The answer is ${item.answer})`)).toBe(true);
    expect(ok(`\\boxed{${wrong}}`)).toBe(false);
  });

  it('keeps train and eval disjoint', () => {
    const evalItems = generateMultipleChoice({ seed: 4, count: 300, split: 'eval' });
    const train = new Set(items.map((x) => x.prompt.split('\n')[0]));
    for (const x of evalItems) expect(train.has(x.prompt.split('\n')[0])).toBe(false);
  });
});
