/**
 * Text detectors shared by evaluation and RL metrics: self-check ("reflection") segments and
 * catchphrase counts. Pure string functions, no tensors.
 */
import { countOccurrences } from '../tasks/rewards';

/**
 * Self-check markers. "Wait" counts when capitalised (sentence start) or followed by
 * punctuation, so "you wait 5 minutes" in a question-like sentence does not.
 */
export const REFLECTION_PATTERNS: readonly RegExp[] = [
  /\bWait\b/,
  /\bwait[,.!:;]/i,
  /\blet me (?:re-?)?check\b/i,
  /\blet me (?:re-?)?verify\b/i,
  /\bdouble[- ]?check/i,
  /\bre-?check/i,
  /\bverify(?:ing)?\b/i,
];

const BOXED = '\\boxed{';

/** Index of the first self-check marker in text, or -1. */
export function reflectionIndex(text: string): number {
  let first = -1;
  for (const re of REFLECTION_PATTERNS) {
    const m = re.exec(text);
    if (m && (first < 0 || m.index < first)) first = m.index;
  }
  return first;
}

/** True when the text has a self-check segment followed by a final answer (\boxed after it). */
export function hasReflection(text: string): boolean {
  const at = reflectionIndex(text);
  return at >= 0 && text.indexOf(BOXED, at) >= 0;
}

/** Non-overlapping occurrences of phrase; case-insensitive unless asked (like the reward). */
export function catchphraseCount(text: string, phrase: string, caseSensitive = false): number {
  if (phrase.length === 0) return 0;
  return caseSensitive
    ? countOccurrences(text, phrase)
    : countOccurrences(text.toLowerCase(), phrase.toLowerCase());
}
