/**
 * Character-level tokenizer: one id per Unicode code point seen in the training corpus.
 *
 * Ids: the lab specials at 0..6, `<|unk|>` at 7, then the corpus's unique code points sorted by
 * code point. A character not in the vocabulary encodes to the `<|unk|>` id (and so decodes to
 * the text "<|unk|>", or to nothing with skipSpecial). Saved as a Hugging Face BPE model with an
 * empty merges list, no pre-tokenizer and a Fuse decoder, which is how HF expresses a
 * character tokenizer.
 */
import {
  addedTokensJson,
  buildIdTable,
  componentType,
  parseTokenizerJson,
  readAddedTokens,
  readMerges,
  requireAddedTokens,
  TokenizerJsonError,
  vocabJson,
} from './hf-json';
import {
  AddedTokens,
  BOS_TOKEN,
  EOS_TOKEN,
  LAB_SPECIAL_TOKENS,
  PAD_TOKEN,
  specialsAtLowIds,
  UNK_TOKEN,
  type AddedToken,
} from './special-tokens';
import type { HFTokenizerJson, Tokenizer } from './types';

/** The decoder written to a char tokenizer.json: concatenate tokens with no separator. */
export const CHAR_DECODER = { type: 'Fuse' } as const;

/** Character-level implementation of {@link Tokenizer}. */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Id that unknown characters encode to. */
  readonly unkId: number;

  private readonly vocab: readonly string[];
  private readonly added: AddedTokens;
  private readonly charIds = new Map<string, number>();

  /**
   * @param vocab token text by id (single code points, plus the added tokens' contents)
   * @param addedTokens special tokens; must include the lab specials and `<|unk|>`
   */
  constructor(vocab: readonly string[], addedTokens: readonly AddedToken[]) {
    this.vocab = [...vocab];
    this.vocabSize = this.vocab.length;
    this.added = new AddedTokens(addedTokens);
    requireAddedTokens(addedTokens, [...LAB_SPECIAL_TOKENS, UNK_TOKEN]);
    this.padId = this.added.idOf(PAD_TOKEN) ?? -1;
    this.bosId = this.added.idOf(BOS_TOKEN) ?? -1;
    this.eosId = this.added.idOf(EOS_TOKEN) ?? -1;
    this.unkId = this.added.idOf(UNK_TOKEN) ?? -1;
    this.vocab.forEach((tok, id) => {
      if (this.added.get(id) !== undefined) return;
      if ([...tok].length !== 1) {
        throw new TokenizerJsonError(
          `"model.vocab" token ${JSON.stringify(tok)} (id ${id}) is not a single character, but a char tokenizer has no merges`,
        );
      }
      this.charIds.set(tok, id);
    });
  }

  /** Vocabulary = specials + sorted unique code points of the corpus (special strings excluded). */
  static train(corpus: string): CharTokenizer {
    const addedTokens = specialsAtLowIds([...LAB_SPECIAL_TOKENS, UNK_TOKEN]);
    const chars = new Set<string>();
    for (const part of new AddedTokens(addedTokens).textParts(corpus)) {
      for (const ch of part) chars.add(ch);
    }
    const sorted = [...chars].sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0));
    return new CharTokenizer([...addedTokens.map((t) => t.content), ...sorted], addedTokens);
  }

  /** Load from tokenizer.json (object or text); merges must be empty. */
  static fromJSON(input: HFTokenizerJson | string): CharTokenizer {
    const json = parseTokenizerJson(input);
    const merges = readMerges(json);
    if (merges.length > 0) {
      throw new TokenizerJsonError(
        `"model.merges" must be empty for a char tokenizer (pre_tokenizer is not ByteLevel), got ${merges.length} merges`,
      );
    }
    const type = componentType(json.pre_tokenizer);
    if (json.pre_tokenizer !== null && json.pre_tokenizer !== undefined) {
      throw new TokenizerJsonError(
        `"pre_tokenizer" must be null for a char tokenizer or {"type":"ByteLevel"} for byte-level BPE, got ${JSON.stringify(type ?? json.pre_tokenizer)}`,
      );
    }
    const addedTokens = readAddedTokens(json);
    return new CharTokenizer(buildIdTable(json, addedTokens), addedTokens);
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const seg of this.added.split(text)) {
      if (seg.kind === 'added') out.push(seg.id);
      else for (const ch of seg.text) out.push(this.charIds.get(ch) ?? this.unkId);
    }
    return out;
  }

  decode(ids: readonly number[], options: { skipSpecial?: boolean } = {}): string {
    let s = '';
    for (const id of ids) {
      this.checkId(id);
      const added = this.added.get(id);
      if (added !== undefined && added.special && options.skipSpecial) continue;
      s += this.vocab[id];
    }
    return s;
  }

  tokenText(id: number): string {
    this.checkId(id);
    return this.vocab[id];
  }

  toJSON(): HFTokenizerJson {
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokensJson(this.added.list),
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: { ...CHAR_DECODER },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: UNK_TOKEN,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        vocab: vocabJson(this.vocab),
        merges: [],
      },
    };
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`token id ${id} is out of range 0..${this.vocabSize - 1}`);
    }
  }
}
