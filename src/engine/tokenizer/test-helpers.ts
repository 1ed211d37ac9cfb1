/** Shared fixtures for the tokenizer tests (not part of the public API). */
import { mulberry32 } from '../random';

/** Mulberry32 from the engine's shared generator: a seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  const rng = mulberry32(seed);
  return () => rng.next();
}

/**
 * A random string of `length` code points from the whole Unicode range (lone surrogates
 * skipped), biased towards ASCII, controls and spaces so that words form.
 */
export function randomUnicodeString(rand: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = rand();
    let cp: number;
    if (r < 0.3)
      cp = 0x20 + Math.floor(rand() * 0x5f); // printable ASCII
    else if (r < 0.4)
      cp = Math.floor(rand() * 0x20); // C0 controls incl. \0, \t, \n
    else if (r < 0.5)
      cp = 0x20; // space
    else if (r < 0.6)
      cp = 0x80 + Math.floor(rand() * 0x780); // Latin-1 .. 2-byte UTF-8
    else {
      cp = Math.floor(rand() * 0x110000);
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    }
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** A small English-ish corpus with some arithmetic and chat-like lines. */
export const SAMPLE_CORPUS = [
  'The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.',
  'Question: what is 12 + 30? Answer: 12 + 30 = 42, so the answer is 42.',
  'Question: what is 7 * 6? Answer: 7 * 6 = 42, so the answer is 42.',
  "It's the model's turn: think step by step, then answer.",
  'Tabs\tand\nnewlines\n\nare kept, and so are emoji 😀 and 日本語 text.',
].join('\n');
