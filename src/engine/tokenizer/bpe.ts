/**
 * Byte-level BPE tokenizer (GPT-2 style). Text is split on special tokens, pre-tokenized into
 * GPT-2 words, each word's UTF-8 bytes become byte tokens, and merges are applied by rank.
 * Decoding concatenates token bytes and decodes UTF-8, so any string round-trips (lone UTF-16
 * surrogates, which have no UTF-8 form, come back as U+FFFD).
 */
import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import {
  BYTE_TO_UNICODE,
  unicodeStringToBytes,
  utf8Decode,
  utf8DecodeStrict,
  utf8Encode,
} from './byte-unicode';
import { trainBpe, type BpeModelSpec, type BpeTrainOptions } from './bpe-train';
import {
  addedTokensJson,
  buildIdTable,
  componentFlag,
  componentType,
  parseTokenizerJson,
  readAddedTokens,
  readMerges,
  requireAddedTokens,
  TokenizerJsonError,
  vocabJson,
} from './hf-json';
import { preTokenize } from './pretokenize';
import { AddedTokens, BOS_TOKEN, EOS_TOKEN, LAB_SPECIAL_TOKENS, PAD_TOKEN } from './special-tokens';
import type { HFTokenizerJson, Tokenizer } from './types';

/** The pre_tokenizer written to (and required in) a byte-level tokenizer.json. */
export const BYTE_LEVEL_PRE_TOKENIZER = {
  type: 'ByteLevel',
  add_prefix_space: false,
  trim_offsets: true,
  use_regex: true,
} as const;

/** The pre-tokenizer that isolates digits (Hugging Face `Digits`), ahead of ByteLevel. */
export const DIGITS_PRE_TOKENIZER = { type: 'Digits', individual_digits: true } as const;

/**
 * The pre_tokenizer of a tokenizer.json, as the lab reads it: plain ByteLevel, or (for
 * `splitDigits`) Sequence[Digits{individual_digits: true}, ByteLevel]. Returns the ByteLevel
 * component and whether digits are split; undefined when the pre-tokenizer is neither form.
 * A Sequence of any other shape throws, naming what is unsupported.
 */
export function readByteLevelPreTokenizer(
  preTokenizer: unknown,
): { byteLevel: unknown; splitDigits: boolean } | undefined {
  const type = componentType(preTokenizer);
  if (type === 'ByteLevel') return { byteLevel: preTokenizer, splitDigits: false };
  if (type !== 'Sequence') return undefined;
  const list = (preTokenizer as { pretokenizers?: unknown }).pretokenizers;
  const types = Array.isArray(list) ? list.map(componentType) : [];
  if (
    !Array.isArray(list) ||
    types.length !== 2 ||
    types[0] !== 'Digits' ||
    types[1] !== 'ByteLevel'
  ) {
    throw new TokenizerJsonError(
      `"pre_tokenizer" Sequence must be [Digits, ByteLevel], got [${types.map((t) => t ?? '?').join(', ')}]`,
    );
  }
  if (componentFlag(list[0], 'individual_digits') !== true) {
    throw new TokenizerJsonError(
      '"pre_tokenizer.pretokenizers[0].individual_digits" must be true (only single-digit splitting is supported)',
    );
  }
  return { byteLevel: list[1], splitDigits: true };
}

/** The decoder written to a byte-level tokenizer.json. */
export const BYTE_LEVEL_DECODER = {
  type: 'ByteLevel',
  add_prefix_space: false,
  trim_offsets: true,
  use_regex: true,
} as const;

const ID_BITS = 2 ** 21;
const WORD_CACHE_LIMIT = 50_000;

/** Byte-level BPE implementation of {@link Tokenizer}. */
export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Every digit is its own pre-tokenized word, so tokens never span digits. */
  readonly splitDigits: boolean;
  /** Merges in rank order, as token strings. */
  readonly merges: ReadonlyArray<readonly [string, string]>;

  private readonly vocab: readonly string[];
  private readonly added: AddedTokens;
  /** Byte value -> token id. */
  private readonly byteIds: Int32Array;
  /** Per id: the token's bytes (empty for added tokens, whose text is in `added`). */
  private readonly tokenBytes: Uint8Array[];
  /** pair key -> rank; the result id is in mergeResult at the same key. */
  private readonly mergeRank = new Map<number, number>();
  private readonly mergeResult = new Map<number, number>();
  private readonly wordCache = new Map<string, number[]>();

  /** Build from a model spec; throws TokenizerJsonError if the pieces are inconsistent. */
  constructor(spec: BpeModelSpec) {
    this.vocab = [...spec.vocab];
    this.vocabSize = this.vocab.length;
    this.splitDigits = spec.splitDigits ?? OPTIONAL_DEFAULTS.tokenizer.splitDigits;
    if (this.vocabSize >= ID_BITS)
      throw new TokenizerJsonError(`vocabulary too large (${this.vocabSize})`);
    this.added = new AddedTokens(spec.addedTokens);
    requireAddedTokens(spec.addedTokens, LAB_SPECIAL_TOKENS);
    this.padId = this.added.idOf(PAD_TOKEN) ?? -1;
    this.bosId = this.added.idOf(BOS_TOKEN) ?? -1;
    this.eosId = this.added.idOf(EOS_TOKEN) ?? -1;

    const idOf = new Map<string, number>();
    this.tokenBytes = this.vocab.map((tok, id) => {
      if (this.added.get(id) !== undefined) return new Uint8Array(0);
      idOf.set(tok, id);
      const bytes = unicodeStringToBytes(tok);
      if (bytes === null || bytes.length === 0) {
        throw new TokenizerJsonError(
          `"model.vocab" token ${JSON.stringify(tok)} (id ${id}) is not a byte-level (GPT-2 bytes_to_unicode) string`,
        );
      }
      return bytes;
    });

    this.byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) {
      const id = idOf.get(BYTE_TO_UNICODE[b]);
      if (id === undefined) {
        throw new TokenizerJsonError(
          `"model.vocab" lacks the byte token ${JSON.stringify(BYTE_TO_UNICODE[b])} for byte 0x${b.toString(16).padStart(2, '0')}`,
        );
      }
      this.byteIds[b] = id;
    }

    this.merges = spec.merges.map(([l, r]) => [l, r] as const);
    spec.merges.forEach(([l, r], rank) => {
      const a = idOf.get(l);
      const b = idOf.get(r);
      const c = idOf.get(l + r);
      if (a === undefined || b === undefined || c === undefined) {
        const missing = a === undefined ? l : b === undefined ? r : l + r;
        throw new TokenizerJsonError(
          `"model.merges[${rank}]" (${JSON.stringify(`${l} ${r}`)}) uses ${JSON.stringify(missing)}, which is not in "model.vocab"`,
        );
      }
      const key = a * ID_BITS + b;
      if (!this.mergeRank.has(key)) {
        this.mergeRank.set(key, rank);
        this.mergeResult.set(key, c);
      }
    });
  }

  /** Train on a corpus (see {@link trainBpe}). */
  static train(corpus: string, options: BpeTrainOptions = {}): BpeTokenizer {
    return new BpeTokenizer(trainBpe(corpus, options));
  }

  /**
   * Load from tokenizer.json (object or text); requires a ByteLevel pre_tokenizer, alone or
   * after Digits{individual_digits: true} in a Sequence.
   */
  static fromJSON(input: HFTokenizerJson | string): BpeTokenizer {
    const json = parseTokenizerJson(input);
    const pre = readByteLevelPreTokenizer(json.pre_tokenizer);
    if (pre === undefined) {
      throw new TokenizerJsonError(
        `"pre_tokenizer" must be ByteLevel (or Sequence[Digits, ByteLevel]) for byte-level BPE, got ${JSON.stringify(componentType(json.pre_tokenizer) ?? json.pre_tokenizer)}`,
      );
    }
    if (componentFlag(pre.byteLevel, 'add_prefix_space') === true) {
      throw new TokenizerJsonError('"pre_tokenizer.add_prefix_space" = true is not supported');
    }
    if (componentFlag(pre.byteLevel, 'use_regex') === false) {
      throw new TokenizerJsonError('"pre_tokenizer.use_regex" = false is not supported');
    }
    const addedTokens = readAddedTokens(json);
    const vocab = buildIdTable(json, addedTokens);
    return new BpeTokenizer({
      vocab,
      merges: readMerges(json),
      addedTokens,
      ...(pre.splitDigits ? { splitDigits: true } : {}),
    });
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const seg of this.added.split(text)) {
      if (seg.kind === 'added') {
        out.push(seg.id);
        continue;
      }
      for (const word of preTokenize(seg.text, { splitDigits: this.splitDigits })) {
        for (const id of this.encodeWord(word)) out.push(id);
      }
    }
    return out;
  }

  /** BPE on one pre-tokenized word: repeatedly merge the lowest-rank adjacent pair. */
  private encodeWord(word: string): number[] {
    const cached = this.wordCache.get(word);
    if (cached !== undefined) return cached;
    const ids = Array.from(utf8Encode(word), (b) => this.byteIds[b]);
    for (;;) {
      let bestRank = Infinity;
      let bestKey = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const key = ids[i] * ID_BITS + ids[i + 1];
        const rank = this.mergeRank.get(key);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestKey = key;
        }
      }
      if (bestKey < 0) break;
      const a = Math.floor(bestKey / ID_BITS);
      const b = bestKey % ID_BITS;
      const c = this.mergeResult.get(bestKey) ?? -1;
      let w = 0;
      for (let r = 0; r < ids.length; r++) {
        if (r + 1 < ids.length && ids[r] === a && ids[r + 1] === b) {
          ids[w++] = c;
          r++;
        } else {
          ids[w++] = ids[r];
        }
      }
      ids.length = w;
    }
    if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
    this.wordCache.set(word, ids);
    return ids;
  }

  decode(ids: readonly number[], options: { skipSpecial?: boolean } = {}): string {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const id of ids) {
      this.checkId(id);
      const added = this.added.get(id);
      let bytes: Uint8Array;
      if (added !== undefined) {
        if (added.special && options.skipSpecial) continue;
        bytes = utf8Encode(added.content);
      } else {
        bytes = this.tokenBytes[id];
      }
      parts.push(bytes);
      total += bytes.length;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return utf8Decode(all);
  }

  tokenText(id: number): string {
    this.checkId(id);
    const added = this.added.get(id);
    if (added !== undefined) return added.content;
    const bytes = this.tokenBytes[id];
    const text = utf8DecodeStrict(bytes);
    if (text !== null) return text;
    return Array.from(bytes, (b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).join(
      '',
    );
  }

  /** The raw bytes of a (non-added) token; empty for added tokens. */
  tokenBytesOf(id: number): Uint8Array {
    this.checkId(id);
    return this.tokenBytes[id].slice();
  }

  toJSON(): HFTokenizerJson {
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokensJson(this.added.list),
      normalizer: null,
      pre_tokenizer: this.splitDigits
        ? {
            type: 'Sequence',
            pretokenizers: [{ ...DIGITS_PRE_TOKENIZER }, { ...BYTE_LEVEL_PRE_TOKENIZER }],
          }
        : { ...BYTE_LEVEL_PRE_TOKENIZER },
      post_processor: null,
      decoder: { ...BYTE_LEVEL_DECODER },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        vocab: vocabJson(this.vocab),
        merges: this.merges.map(([l, r]) => `${l} ${r}`),
      },
    };
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`token id ${id} is out of range 0..${this.vocabSize - 1}`);
    }
  }
}
