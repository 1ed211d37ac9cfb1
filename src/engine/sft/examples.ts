import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import { writeGuidance } from '../teacher/builtin';
import { hashParts, mulberry32, pick } from '../random';
import { BEHAVIORS } from '../../contract/teacher';
import type { TaskItem } from '../tasks/types';
import { encodeChatExample, encodePrompt, type Tokenizer } from '../tokenizer';

/** Options of the warm-up solution text. */
export interface SolutionOptions {
  /** Fraction of items (chosen by a hash of seed and item id) whose solution re-checks itself. */
  selfCheckRate?: number;
  /** Seed of that choice and of the check's wording. */
  seed?: number;
}

/**
 * The check paragraph for one item, or "" when the item is not chosen:
 * "\n\n" + reason + "\n\n" + phrase, where reason and phrase are what the built-in teacher
 * writes for a correct answer (concise, a behaviour drawn per item, never a catchphrase). It
 * gives a scratch student what an instruct model brings to ThinkTuning: the habit of writing
 * past its first answer, in reflective first-person English, sometimes.
 */
export function selfCheckText(item: TaskItem, o: SolutionOptions = {}): string {
  const rate = o.selfCheckRate ?? OPTIONAL_DEFAULTS.sft.selfCheckRate;
  if (rate <= 0) return '';
  const rng = mulberry32(hashParts(o.seed ?? 0, 'self-check', item.id));
  if (rng.next() >= rate) return '';
  const behavior = pick(rng, BEHAVIORS);
  const answerText = plainSolution(item);
  const g = writeGuidance(
    { item, response: answerText, studentCorrect: true },
    behavior,
    rng,
    '',
    true,
  );
  return `\n\n${g.reason}\n\n${g.phrase}`;
}

function plainSolution(item: TaskItem): string {
  const steps = item.steps?.length ? item.steps.join(' ') + ' ' : '';
  return `${steps}The answer is \\boxed{${item.answer}}.`;
}

/**
 * The worked solution the student imitates: steps, then "The answer is \boxed{X}.", and for a
 * `selfCheckRate` share of items a check paragraph that ends with the same boxed answer.
 */
export function solutionText(item: TaskItem, o: SolutionOptions = {}): string {
  return plainSolution(item) + selfCheckText(item, o);
}

/** The question as the student sees it: item prompt + the configured suffix. */
export function questionText(item: TaskItem, suffix: string): string {
  return item.prompt + suffix;
}

/** Prompt ids (chat format, ending with the assistant marker) for one item. */
export function promptIds(tok: Tokenizer, item: TaskItem, suffix: string): number[] {
  return encodePrompt(tok, [{ role: 'user', content: questionText(item, suffix) }]);
}

export interface SftExample {
  prompt: number[];
  /** Response ids, EOS included. */
  completion: number[];
}

/** prompt + worked solution + EOS, as ids. */
export function sftExample(
  tok: Tokenizer,
  item: TaskItem,
  suffix: string,
  o: SolutionOptions = {},
): SftExample {
  const { promptIds: prompt, completionIds: completion } = encodeChatExample(
    tok,
    [{ role: 'user', content: questionText(item, suffix) }],
    solutionText(item, o),
  );
  return { prompt, completion };
}
