/**
 * A small, local final-answer check for the built-in teacher: extract the student's final
 * answer (last `\boxed{}`, else the last number or option letter) and compare it with the
 * ground truth numerically, or by letter for multiple choice. Kept here on purpose so the
 * teacher does not depend on the task folder's verifier.
 */
import type { TaskItem } from '../tasks/types';

const LETTERS = 'ABCDEFGHIJ';

/** Contents of the last `\boxed{...}` (balanced braces), or null when there is none. */
export function lastBoxed(text: string): string | null {
  const start = text.lastIndexOf('\\boxed{');
  if (start < 0) return null;
  let depth = 0;
  const from = start + '\\boxed{'.length;
  for (let i = from; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '{') depth += 1;
    else if (ch === '}') {
      if (depth === 0) return text.slice(from, i).trim();
      depth -= 1;
    }
  }
  return null;
}

const NUMBER_RE = /-?\d[\d,]*(?:\.\d+)?(?:\s*\/\s*\d+(?:\.\d+)?)?|-?\.\d+/g;

/** The last number-like token in the text ("1,234", "-2.5", "3/4"), or null. */
export function lastNumber(text: string): string | null {
  const normalized = text.replace(/\u2212/g, '-');
  let last: string | null = null;
  for (const m of normalized.matchAll(NUMBER_RE)) last = m[0];
  return last === null ? null : last.replace(/,$/, '');
}

/** Reads a number written as an integer, decimal, fraction, `\frac{a}{b}`, "$1,200" or "25%". */
export function parseNumeric(text: string): number | null {
  let s = text
    .trim()
    .replace(/\u2212/g, '-')
    .replace(/\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}/g, '($1)/($2)')
    .replace(/\\!|\\,|\\\$|\$|\\%|%|\s/g, '')
    .replace(/\.$/, '');
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  const frac = /^(-?)\(?(-?\d+(?:\.\d+)?)\)?\/\(?(\d+(?:\.\d+)?)\)?$/.exec(s);
  if (frac) {
    const den = Number(frac[3]);
    if (den === 0) return null;
    const value = Number(frac[2]) / den;
    return frac[1] === '-' ? -value : value;
  }
  if (/^-?(\d+(\.\d*)?|\.\d+)$/.test(s)) return Number(s);
  return null;
}

/** True when the item is multiple choice (choices given, or a letter answer). */
export function isMultipleChoice(item: TaskItem): boolean {
  return (item.choices?.length ?? 0) > 0 || /^[A-J]$/.test(item.answer.trim());
}

/** Reads an option letter from text such as "B", "(B)", "B)", "option B" or a choice's text. */
function letterOf(text: string, choices: readonly string[] | undefined): string | null {
  const s = text.trim().replace(/^\\text\{(.*)\}$/, '$1');
  const m = /^(?:option\s+)?\(?([A-Ja-j])\)?[.:)]?$/i.exec(s);
  if (m) return m[1].toUpperCase();
  if (choices) {
    const idx = choices.findIndex((c) => c.trim().toLowerCase() === s.toLowerCase());
    if (idx >= 0 && idx < LETTERS.length) return LETTERS[idx];
  }
  return null;
}

/** The student's final answer as written (boxed content, else last number/letter), or null. */
export function extractStudentAnswer(response: string, item: TaskItem): string | null {
  const boxed = lastBoxed(response);
  if (isMultipleChoice(item)) {
    if (boxed !== null) return letterOf(boxed, item.choices) ?? boxed;
    let last: string | null = null;
    for (const m of response.matchAll(/answer\s+is\s*:?\s*\(?([A-J])\)?(?![A-Za-z])/gi)) {
      last = m[1].toUpperCase();
    }
    return last;
  }
  if (boxed !== null) return boxed;
  return lastNumber(response);
}

/** Whether a written answer equals the item's ground truth (numerically, or by letter). */
export function answersMatch(given: string | null, item: TaskItem): boolean {
  if (given === null) return false;
  const truth = item.answer.trim();
  if (isMultipleChoice(item)) {
    const letter = letterOf(given, item.choices);
    return letter !== null && letter === truth.toUpperCase();
  }
  const a = parseNumeric(given) ?? parseNumeric(lastNumber(given) ?? '');
  const b = parseNumeric(truth);
  if (a === null || b === null) return given.trim() === truth;
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

/** Whether the student's response ends with the correct final answer. */
export function isStudentCorrect(response: string, item: TaskItem): boolean {
  return answersMatch(extractStudentAnswer(response, item), item);
}
