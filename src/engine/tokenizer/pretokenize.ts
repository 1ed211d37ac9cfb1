/**
 * The GPT-2 pre-tokenizer: splits text into "words" (letters with an optional leading space,
 * digits, punctuation runs, whitespace) before byte-level BPE runs inside each word. This is
 * the regex Hugging Face's ByteLevel pre-tokenizer uses with `use_regex: true`. It needs only
 * lookahead (no lookbehind), and `\s` is spelled out as Unicode White_Space so it matches the
 * Rust/Oniguruma meaning rather than JavaScript's (which adds U+FEFF and omits U+0085).
 */

const WS =
  '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';

/** GPT-2's pattern; every code point falls in exactly one alternative's class. */
export const GPT2_SPLIT_PATTERN = new RegExp(
  [
    "'s",
    "'t",
    "'re",
    "'ve",
    "'m",
    "'ll",
    "'d",
    ' ?\\p{L}+',
    ' ?\\p{N}+',
    ` ?[^${WS}\\p{L}\\p{N}]+`,
    `[${WS}]+(?![^${WS}])`,
    `[${WS}]+`,
  ].join('|'),
  'gu',
);

/** Options for {@link preTokenize}. */
export interface PreTokenizeOptions {
  /**
   * Isolate every numeric code point (`\p{N}`, Rust's `char::is_numeric`) before the GPT-2
   * split, as Hugging Face's `Digits { individual_digits: true }` does in a `Sequence` ahead of
   * `ByteLevel`: "$27." becomes "$", "2", "7", "." so BPE can never merge digits.
   */
  splitDigits?: boolean;
}

const NUMERIC_CHAR = /\p{N}/gu;

/** Split text into GPT-2 words; the words concatenate back to the input exactly. */
export function preTokenize(text: string, options: PreTokenizeOptions = {}): string[] {
  if (!options.splitDigits) return gpt2Split(text);
  const words: string[] = [];
  let from = 0;
  for (const m of text.matchAll(NUMERIC_CHAR)) {
    if (m.index > from) words.push(...gpt2Split(text.slice(from, m.index)));
    words.push(m[0]);
    from = m.index + m[0].length;
  }
  if (from < text.length) words.push(...gpt2Split(text.slice(from)));
  return words;
}

function gpt2Split(text: string): string[] {
  const words: string[] = [];
  let covered = 0;
  for (const m of text.matchAll(GPT2_SPLIT_PATTERN)) {
    if (m.index !== covered) {
      // Cannot happen (the alternatives cover every code point) but never lose text.
      words.push(text.slice(covered, m.index));
    }
    words.push(m[0]);
    covered = m.index + m[0].length;
  }
  if (covered < text.length) words.push(text.slice(covered));
  return words;
}
