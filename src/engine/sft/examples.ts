import type { TaskItem } from '../tasks/types';
import { encodeChatExample, encodePrompt, type Tokenizer } from '../tokenizer';

/** The worked solution the student imitates: steps, then "The answer is \boxed{X}." */
export function solutionText(item: TaskItem): string {
  const steps = item.steps?.length ? item.steps.join(' ') + ' ' : '';
  return `${steps}The answer is \\boxed{${item.answer}}.`;
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
export function sftExample(tok: Tokenizer, item: TaskItem, suffix: string): SftExample {
  const { promptIds: prompt, completionIds: completion } = encodeChatExample(
    tok,
    [{ role: 'user', content: questionText(item, suffix) }],
    solutionText(item),
  );
  return { prompt, completion };
}
