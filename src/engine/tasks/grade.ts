/**
 * Grading one response against a TaskItem: extract the final answer, compare it (numbers
 * with a relative tolerance, letters exactly), and report format checks.
 */
import { extractAnswer, type ExtractionMethod, type ExtractOptions } from './answer';
import { numbersClose, parseLetterAnswer, parseNumericAnswer } from './numberParsing';
import type { TaskItem } from './types';

/** Default relative tolerance for numeric answers. */
export const DEFAULT_RELATIVE_TOLERANCE = 1e-6;

/** Options for gradeResponse. */
export interface GradeOptions extends ExtractOptions {
  /** Whether generation stopped on EOS (not truncated); the text itself carries no EOS. */
  endedWithEos: boolean;
  /** Relative tolerance for numbers; default 1e-6. */
  relativeTolerance?: number;
}

/** Format checks of a response. */
export interface FormatChecks {
  endedWithEos: boolean;
  /** Exactly one complete \boxed{...} group. */
  exactlyOneBoxed: boolean;
  /** Some final answer could be extracted. */
  answerFound: boolean;
}

/** Result of grading one response. */
export interface GradeResult {
  /** The extracted answer text, or null. */
  extracted: string | null;
  /** A \boxed{ was opened and never closed: no answer (tasks/answer.ts). */
  unclosedBox?: true;
  method: ExtractionMethod | null;
  /** Whether the extracted answer equals the item's answer (independent of format). */
  correct: boolean;
  boxedCount: number;
  format: FormatChecks;
}

/** Whether the item expects an option letter (it has choices or its answer is A-E). */
export function isLetterItem(item: Pick<TaskItem, 'answer' | 'choices'>): boolean {
  return (item.choices?.length ?? 0) > 0 || /^[A-E]$/.test(item.answer.trim());
}

/**
 * Whether a candidate answer text equals the expected one: letters compare as letters,
 * otherwise both are parsed as numbers: integers exactly, else |a-b| <= tol * max(|a|,|b|).
 */
export function answersMatch(
  expected: string,
  candidate: string,
  options: { letter?: boolean; relativeTolerance?: number } = {},
): boolean {
  const letter = options.letter ?? /^[A-E]$/.test(expected.trim());
  if (letter) {
    const got = parseLetterAnswer(candidate);
    return got !== null && got === expected.trim().toUpperCase();
  }
  const want = parseNumericAnswer(expected);
  const got = parseNumericAnswer(candidate);
  if (want === null || got === null) return false;
  return numbersClose(want, got, options.relativeTolerance ?? DEFAULT_RELATIVE_TOLERANCE);
}

/** Grade one response text for an item. Never throws on odd text. */
export function gradeResponse(
  item: TaskItem,
  responseText: string,
  options: GradeOptions,
): GradeResult {
  const extraction = extractAnswer(responseText, options);
  const correct =
    extraction.value !== null &&
    answersMatch(item.answer, extraction.value, {
      letter: isLetterItem(item),
      relativeTolerance: options.relativeTolerance,
    });
  return {
    extracted: extraction.value,
    ...(extraction.unclosedBox ? { unclosedBox: true as const } : {}),
    method: extraction.method,
    correct,
    boxedCount: extraction.boxedCount,
    format: {
      endedWithEos: options.endedWithEos,
      exactlyOneBoxed: extraction.boxedCount === 1,
      answerFound: extraction.value !== null,
    },
  };
}
