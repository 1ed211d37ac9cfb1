/**
 * Generated multiple-choice items (options A-E). Distractors come from typical mistakes on
 * the same problem: a dropped step, steps in the wrong order, a wrong operation, x +/- a * b
 * computed left to right, and off-by-one. The correct letter is balanced over positions.
 */
import { generateTracedProblems, type GenerateOptions, type TracedProblem } from './generated';
import { createRng, mixSeedMurmur, type SeededRng } from '../random';
import type { TaskItem } from './types';
import {
  applyOp,
  evaluate,
  replay,
  wrongOperation,
  wrongPrecedence,
  type ProblemTrace,
} from './wordProblems/ops';

/** Option letters, in order. */
export const CHOICE_LETTERS = ['A', 'B', 'C', 'D', 'E'] as const;

/** A distractor value and the mistake that produces it. */
export interface Mistake {
  kind: 'dropped-step' | 'wrong-order' | 'wrong-operation' | 'precedence' | 'off-by-one' | 'filler';
  value: number;
}

/** Mistakes in roughly "most typical first" order; values may repeat or equal the answer. */
export function mistakeValues(trace: ProblemTrace): Mistake[] {
  const { start, ops } = trace;
  const values = replay(trace);
  const answer = values[values.length - 1];
  const out: Mistake[] = [];
  // Wrong order of operations: steps applied in reverse, or one adjacent pair swapped.
  if (ops.length > 1) out.push({ kind: 'wrong-order', value: evaluate(start, [...ops].reverse()) });
  for (let i = 0; i + 1 < ops.length; i++) {
    const swapped = [...ops];
    [swapped[i], swapped[i + 1]] = [swapped[i + 1], swapped[i]];
    out.push({ kind: 'wrong-order', value: evaluate(start, swapped) });
  }
  // x - a * b computed as (x - a) * b.
  ops.forEach((o, i) => {
    const before = i === 0 ? start : values[i - 1];
    const wrong = wrongPrecedence(before, o);
    if (wrong !== undefined) {
      out.push({ kind: 'precedence', value: evaluate(wrong, ops.slice(i + 1)) });
    }
  });
  // A dropped step (the last step first: stopping one step early is the most common).
  for (let i = ops.length - 1; i >= 0; i--) {
    out.push({
      kind: 'dropped-step',
      value: evaluate(
        start,
        ops.filter((_, j) => j !== i),
      ),
    });
  }
  // A wrong operation in one step.
  ops.forEach((o, i) => {
    const before = i === 0 ? start : values[i - 1];
    out.push({
      kind: 'wrong-operation',
      value: evaluate(applyOp(before, wrongOperation(o)), ops.slice(i + 1)),
    });
  });
  out.push({ kind: 'off-by-one', value: answer + 1 }, { kind: 'off-by-one', value: answer - 1 });
  return out;
}

/** Four distinct integer distractors, none equal to the answer (typical mistakes first). */
export function pickDistractors(trace: ProblemTrace, answer: number, rng: SeededRng): number[] {
  const seen = new Set<number>([answer]);
  const chosen: number[] = [];
  const take = (v: number): void => {
    if (chosen.length < 4 && Number.isSafeInteger(v) && v >= 0 && !seen.has(v)) {
      seen.add(v);
      chosen.push(v);
    }
  };
  const mistakes = mistakeValues(trace);
  // First pass: plausible sizes only (not far beyond the answer), at most one off-by-one.
  const limit = Math.max(10 * answer, answer + 100);
  for (const m of mistakes) if (m.kind !== 'off-by-one' && m.value <= limit) take(m.value);
  take(answer + rng.pick([1, -1]));
  for (const m of mistakes) take(m.value);
  // Fillers: plausible nearby values when the problem has too few distinct mistakes.
  for (let k = 2; chosen.length < 4; k++)
    take(answer + (k % 2 === 0 ? k : -k) * (answer >= 20 ? 10 : 1));
  return chosen;
}

/** Format the prompt: question, then one option per line "A) 250". */
export function formatChoicePrompt(question: string, choices: readonly string[]): string {
  const lines = choices.map((c, i) => `${CHOICE_LETTERS[i]}) ${c}`);
  return `${question}\n${lines.join('\n')}`;
}

/**
 * Multiple-choice items built on generated problems (same split rules, so train and eval stay
 * disjoint). The correct position cycles through a shuffled A-E block every five items.
 */
export function generateMultipleChoice(options: GenerateOptions): TaskItem[] {
  const problems = generateTracedProblems(options);
  const rng = createRng(mixSeedMurmur(options.seed, 0x4d43));
  let block: number[] = [];
  return problems.map((p, i) => {
    if (i % CHOICE_LETTERS.length === 0) block = rng.shuffle([0, 1, 2, 3, 4]);
    return toMultipleChoice(p, block[i % CHOICE_LETTERS.length], rng);
  });
}

function toMultipleChoice(p: TracedProblem, correctIndex: number, rng: SeededRng): TaskItem {
  const answer = Number(p.item.answer);
  const distractors = rng.shuffle(pickDistractors(p.trace, answer, rng));
  const values = [...distractors];
  values.splice(correctIndex, 0, answer);
  const choices = values.map(String);
  return {
    id: p.item.id.replace(/^gen-/, 'mc-'),
    prompt: formatChoicePrompt(p.item.prompt, choices),
    answer: CHOICE_LETTERS[correctIndex],
    choices,
    steps: [
      ...(p.item.steps ?? []),
      `The answer is ${answer}, option ${CHOICE_LETTERS[correctIndex]}.`,
    ],
    source: 'multiple-choice',
    level: p.item.level,
  };
}
