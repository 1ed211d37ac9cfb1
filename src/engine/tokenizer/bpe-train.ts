/**
 * Training byte-level BPE merges on a corpus.
 *
 * The corpus is split on special tokens and pre-tokenized into GPT-2 words; identical words are
 * counted once with a frequency. Pair counts are kept incrementally: a merge only revisits the
 * words that contain the merged pair (found through a pair -> words index), and the best pair is
 * taken from a max-heap with lazy deletion. Ties in count go to the pair with the smaller
 * (left id, right id), which makes training deterministic.
 */
import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import { BYTE_TO_UNICODE, utf8Encode } from './byte-unicode';
import { PairHeap } from './max-heap';
import { preTokenize } from './pretokenize';
import {
  AddedTokens,
  LAB_SPECIAL_TOKENS,
  specialsAtLowIds,
  type AddedToken,
} from './special-tokens';

/** Options for {@link trainBpe}. */
export interface BpeTrainOptions {
  /** Target vocabulary size including specials and the 256 byte tokens (default 512). */
  vocabSize?: number;
  /** Pairs seen fewer times than this are never merged (default 2). */
  minFrequency?: number;
  /** Pre-tokenize every digit as its own word, so no merge ever spans digits (default false). */
  splitDigits?: boolean;
}

/** A trained (or loaded) byte-level BPE model: id -> token string, merges in rank order. */
export interface BpeModelSpec {
  /** Token strings by id; byte-level strings for normal tokens, raw text for added tokens. */
  vocab: string[];
  /** Merges in rank order as [left, right] token strings. */
  merges: Array<[string, string]>;
  addedTokens: AddedToken[];
  /** Digits are isolated before the GPT-2 split (tokenizer.json: Sequence[Digits, ByteLevel]). */
  splitDigits?: boolean;
}

/** Default BPE vocabulary size. */
export const DEFAULT_BPE_VOCAB_SIZE = 512;

const ID_BITS = 2 ** 21;

function pairKey(a: number, b: number): number {
  return a * ID_BITS + b;
}

/** Count GPT-2 words in the corpus, skipping special-token strings. */
export function countWords(
  corpus: string,
  specials: AddedTokens,
  splitDigits = false,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const part of specials.textParts(corpus)) {
    for (const w of preTokenize(part, { splitDigits })) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

/**
 * Train a byte-level BPE model. Ids: the lab specials at 0..6, bytes 0x00..0xFF at 7..262 (in
 * byte order), then merged tokens in merge order. Training stops at `vocabSize` or when no pair
 * occurs at least `minFrequency` times, so the result can be smaller than asked.
 */
export function trainBpe(corpus: string, options: BpeTrainOptions = {}): BpeModelSpec {
  const vocabSize = options.vocabSize ?? DEFAULT_BPE_VOCAB_SIZE;
  const minFrequency = Math.max(1, options.minFrequency ?? 2);
  const addedTokens = specialsAtLowIds(LAB_SPECIAL_TOKENS);
  const base = addedTokens.length + 256;
  if (!Number.isInteger(vocabSize) || vocabSize < base) {
    throw new RangeError(
      `BPE vocabSize must be an integer >= ${base} (${addedTokens.length} special tokens + 256 bytes), got ${vocabSize}`,
    );
  }
  if (vocabSize >= ID_BITS) throw new RangeError(`BPE vocabSize must be < ${ID_BITS}`);

  const vocab: string[] = addedTokens.map((t) => t.content);
  for (let b = 0; b < 256; b++) vocab.push(BYTE_TO_UNICODE[b]);
  const idOf = new Map<string, number>();
  vocab.forEach((tok, id) => idOf.set(tok, id));

  // Words as id sequences with frequencies.
  const splitDigits = options.splitDigits ?? OPTIONAL_DEFAULTS.tokenizer.splitDigits;
  const wordCounts = countWords(corpus, new AddedTokens(addedTokens), splitDigits);
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [word, count] of wordCounts) {
    const ids = Array.from(utf8Encode(word), (b) => addedTokens.length + b);
    if (ids.length < 2) continue; // nothing to merge inside a one-byte word
    words.push(ids);
    freqs.push(count);
  }

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: 1 | -1, touched: Set<number> | null): void => {
    const sym = words[w];
    const f = freqs[w] * sign;
    for (let i = 0; i + 1 < sym.length; i++) {
      const key = pairKey(sym[i], sym[i + 1]);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + f);
      touched?.add(key);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (set === undefined) pairWords.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1, null);

  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: Array<[string, string]> = [];
  while (vocab.length < vocabSize) {
    const top = heap.pop();
    if (top === undefined) break;
    const current = pairCounts.get(top.key) ?? 0;
    if (current !== top.count) continue; // stale heap entry
    if (current < minFrequency) break;

    const a = Math.floor(top.key / ID_BITS);
    const b = top.key % ID_BITS;
    const merged = vocab[a] + vocab[b];
    // Two different merges can spell the same string ("a"+"bc", "ab"+"c"): share the id.
    let newId = idOf.get(merged);
    if (newId === undefined) {
      newId = vocab.length;
      vocab.push(merged);
      idOf.set(merged, newId);
    }
    merges.push([vocab[a], vocab[b]]);

    const touched = new Set<number>();
    for (const w of pairWords.get(top.key) ?? []) {
      const sym = words[w];
      let has = false;
      for (let i = 0; i + 1 < sym.length; i++) {
        if (sym[i] === a && sym[i + 1] === b) {
          has = true;
          break;
        }
      }
      if (!has) continue;
      addPairs(w, -1, touched);
      const next: number[] = [];
      for (let i = 0; i < sym.length; i++) {
        if (i + 1 < sym.length && sym[i] === a && sym[i + 1] === b) {
          next.push(newId);
          i++;
        } else {
          next.push(sym[i]);
        }
      }
      words[w] = next;
      addPairs(w, 1, touched);
    }
    pairWords.delete(top.key);
    for (const key of touched) {
      const count = pairCounts.get(key) ?? 0;
      if (count > 0) heap.push(count, key);
      else {
        pairCounts.delete(key);
        pairWords.delete(key);
      }
    }
  }
  return { vocab, merges, addedTokens, ...(splitDigits ? { splitDigits } : {}) };
}
