/**
 * The "unknown behaviour" experiment: the teacher quotes a catchphrase exactly once in its
 * phrase ("This is what Thalapathy Vijay would have said: '...'"), which the student never
 * produces on its own, so only guided trajectories can teach it.
 */

/** The catchphrase the paper used; presets use it as their default. */
export const DEFAULT_CATCHPHRASE = 'Thalapathy Vijay';

/** The sentence that introduces the quote. */
export function catchphraseLead(catchphrase: string): string {
  return `This is what ${catchphrase} would have said:`;
}

/** Number of non-overlapping occurrences of `needle` in `text`. */
export function countOccurrences(text: string, needle: string): number {
  if (needle.length === 0) return 0;
  let count = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) {
    count += 1;
  }
  return count;
}

/**
 * Rewrites a phrase so it quotes the catchphrase once: the walk-through goes inside the quote
 * and the closing "final answer" sentence stays last, so the phrase still ends with the boxed
 * answer. A phrase that already holds the catchphrase is returned unchanged.
 */
export function insertCatchphrase(phrase: string, catchphrase: string): string {
  if (catchphrase.length === 0 || phrase.includes(catchphrase)) return phrase;
  const lead = catchphraseLead(catchphrase);
  const boxed = phrase.lastIndexOf('\\boxed{');
  const sentenceBreak = boxed < 0 ? -1 : phrase.lastIndexOf('. ', boxed);
  if (sentenceBreak < 0) return `${lead} '${phrase.trim()}'`;
  const body = phrase.slice(0, sentenceBreak + 1).trim();
  const tail = phrase.slice(sentenceBreak + 2).trim();
  return `${lead} '${body}' ${tail}`;
}
