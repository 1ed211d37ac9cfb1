/**
 * Final-answer extraction from a model response. Methods, tried in a configurable order:
 * the last \boxed{...} (nested braces allowed), "The answer is X", "#### X", and the last
 * number in the text. Every scan is linear in the response length.
 *
 * Rule: a response that opens a \boxed{ it never closes (after its last complete box, if any)
 * has no final answer, so it is graded incorrect: the box is where the answer was going, and it
 * was cut off. No fallback (answer-is, ####, last number) reads a number out of it, so
 * "\boxed{5" is not a correct 5. This applies while 'boxed' is one of the methods.
 */

/** Ways to find the final answer in a response. */
export type ExtractionMethod = 'boxed' | 'answerIs' | 'hashes' | 'lastNumber';

/** Default order: the format the prompt asks for first, the loosest fallback last. */
export const DEFAULT_EXTRACTION_ORDER: readonly ExtractionMethod[] = [
  'boxed',
  'answerIs',
  'hashes',
  'lastNumber',
];

/** Options for extractAnswer. */
export interface ExtractOptions {
  /** Methods to try, in order; leave one out to switch it off. Default DEFAULT_EXTRACTION_ORDER. */
  methods?: readonly ExtractionMethod[];
}

/** What extraction found. */
export interface Extraction {
  /** Raw answer text (e.g. "150 mL", "\frac{1}{2}", "B"), or null when nothing was found. */
  value: string | null;
  method: ExtractionMethod | null;
  /** Number of complete top-level \boxed{...} groups in the response. */
  boxedCount: number;
  /** Set when a \boxed{ is opened and never closed (then `value` is null; see the rule above). */
  unclosedBox?: true;
}

/** Longest tail taken after "The answer is" / "####". */
const TAIL_CHARS = 200;

/** All complete top-level \boxed{...} contents, in order (brace depth counted, linear scan). */
export function findBoxed(text: string): string[] {
  return scanBoxed(text).groups;
}

/** The complete top-level boxed groups, and whether a \boxed{ after them never closes. */
export function scanBoxed(text: string): { groups: string[]; unclosed: boolean } {
  const groups: string[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf('\\boxed', from);
    if (at < 0) return { groups, unclosed: false };
    let i = at + '\\boxed'.length;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (text[i] !== '{') {
      from = i;
      continue;
    }
    const close = matchBrace(text, i);
    // Unbalanced to the end: nothing complete after this point.
    if (close < 0) return { groups, unclosed: true };
    groups.push(text.slice(i + 1, close));
    from = close + 1;
  }
}

/** Index of the "}" matching the "{" at open, or -1 (depth counter, no recursion). */
function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* backslash: skip escaped char such as \{ */) i++;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i;
  }
  return -1;
}

/** Text after the last "answer is" / "answer:" marker, cut at the end of its sentence. */
export function findAnswerIs(text: string): string | null {
  const re = /answer(?: is|:|\s?=)/gi;
  let last = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m.index + m[0].length;
  return last < 0 ? null : sentenceTail(text, last);
}

/** Text after the last "####", to the end of that line. */
export function findHashes(text: string): string | null {
  const at = text.lastIndexOf('####');
  return at < 0 ? null : sentenceTail(text, at + 4);
}

/** The last number in the text (fractions "a/b" and \frac{a}{b} included), as written. */
export function findLastNumber(text: string): string | null {
  const re =
    /\\[dt]?frac\{-?\d+(?:\.\d+)?\}\{-?\d+(?:\.\d+)?\}|-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\/\d+)?/g;
  let last: string | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m[0];
  return last;
}

function sentenceTail(text: string, from: number): string | null {
  let tail = text.slice(from, from + TAIL_CHARS);
  const newline = tail.indexOf('\n');
  if (newline >= 0) tail = tail.slice(0, newline);
  const stop = tail.search(/\.(?:\s|$)/);
  if (stop >= 0) tail = tail.slice(0, stop);
  tail = tail.replace(/^[\s:]+/, '').trim();
  return tail.length > 0 ? tail : null;
}

/** Find the final answer: the first method (in options.methods order) that finds one wins. */
export function extractAnswer(text: string, options: ExtractOptions = {}): Extraction {
  const { groups: boxed, unclosed } = scanBoxed(text);
  const methods = options.methods ?? DEFAULT_EXTRACTION_ORDER;
  if (unclosed && methods.includes('boxed'))
    return { value: null, method: null, boxedCount: boxed.length, unclosedBox: true };
  for (const method of methods) {
    const value = runMethod(method, text, boxed);
    if (value !== null) return { value, method, boxedCount: boxed.length };
  }
  return { value: null, method: null, boxedCount: boxed.length };
}

function runMethod(method: ExtractionMethod, text: string, boxed: string[]): string | null {
  switch (method) {
    case 'boxed':
      return boxed.length > 0 ? unwrapBoxed(boxed[boxed.length - 1]).trim() : null;
    case 'answerIs':
      return findAnswerIs(text);
    case 'hashes':
      return findHashes(text);
    case 'lastNumber':
      return findLastNumber(text);
  }
}

/** "\boxed{\boxed{3}}" -> "3": unwrap a boxed group that makes up the whole content. */
function unwrapBoxed(content: string): string {
  let s = content.trim();
  for (let guard = 0; guard < 100; guard++) {
    const m = /^\\boxed\s?\{/.exec(s);
    if (!m || matchBrace(s, m[0].length - 1) !== s.length - 1) return s;
    s = s.slice(m[0].length, -1).trim();
  }
  return s;
}
