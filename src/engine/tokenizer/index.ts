/**
 * Tokenizers for the lab: training, tokenizer.json loading/saving and the chat format.
 *
 * - `char`: one id per code point of the training corpus (unknown characters -> `<|unk|>`).
 * - `bpe`: GPT-2 style byte-level BPE, trained in-process; round-trips any UTF-8.
 *
 * Both carry the specials `<|pad|>`=0, `<|bos|>`=1, `<|eos|>`=2, `<|system|>`=3, `<|user|>`=4,
 * `<|assistant|>`=5, `<|end|>`=6 (char adds `<|unk|>`=7) and save as Hugging Face tokenizer.json.
 */
import { BpeTokenizer } from './bpe';
import { DEFAULT_BPE_VOCAB_SIZE } from './bpe-train';
import { CharTokenizer } from './char';
import { componentType, parseTokenizerJson } from './hf-json';
import type { HFTokenizerJson, Tokenizer } from './types';

export type { ChatMessage, ChatRole, HFTokenizerJson, Tokenizer } from './types';
export { BpeTokenizer, readByteLevelPreTokenizer } from './bpe';
export { CharTokenizer } from './char';
export {
  trainBpe,
  DEFAULT_BPE_VOCAB_SIZE,
  type BpeTrainOptions,
  type BpeModelSpec,
} from './bpe-train';
export { TokenizerJsonError } from './hf-json';
export {
  formatChat,
  formatCompletion,
  encodePrompt,
  encodeChatExample,
  specialTokenId,
  chatStopIds,
  ROLE_TOKENS,
  TURN_SEPARATOR,
} from './chat';
export {
  PAD_TOKEN,
  BOS_TOKEN,
  EOS_TOKEN,
  SYSTEM_TOKEN,
  USER_TOKEN,
  ASSISTANT_TOKEN,
  END_TOKEN,
  UNK_TOKEN,
  LAB_SPECIAL_TOKENS,
} from './special-tokens';

/** Which tokenizer to build. */
export type TokenizerKind = Tokenizer['kind'];

/** Options for {@link trainTokenizer}. */
export interface TrainTokenizerOptions {
  /** BPE only: target vocabulary size incl. specials and bytes (default 512). Ignored for char. */
  vocabSize?: number;
  /** BPE only: minimum pair count for a merge (default 2). */
  minFrequency?: number;
  /**
   * BPE only: every digit is its own token (Hugging Face `Digits{individual_digits: true}`
   * before `ByteLevel`), which makes arithmetic learnable digit by digit. Default false.
   * Char tokenizers are digit-level already and ignore it.
   */
  splitDigits?: boolean;
}

/** Train a tokenizer of the given kind on a corpus. */
export function trainTokenizer(
  kind: TokenizerKind,
  corpus: string,
  opts: TrainTokenizerOptions = {},
): Tokenizer {
  switch (kind) {
    case 'char':
      return CharTokenizer.train(corpus);
    case 'bpe':
      return BpeTokenizer.train(corpus, {
        vocabSize: opts.vocabSize ?? DEFAULT_BPE_VOCAB_SIZE,
        minFrequency: opts.minFrequency,
        splitDigits: opts.splitDigits,
      });
    default:
      throw new Error(`unknown tokenizer kind ${JSON.stringify(kind)} (expected "char" or "bpe")`);
  }
}

/** A ByteLevel pre_tokenizer, or a Sequence (Digits + ByteLevel), means byte-level BPE. */
function isByteLevel(preTokenizer: unknown): boolean {
  const type = componentType(preTokenizer);
  return type === 'ByteLevel' || type === 'Sequence';
}

/**
 * Which kind a tokenizer.json holds: a ByteLevel pre_tokenizer (alone or in a Sequence after
 * Digits) means byte-level BPE, anything else a char tokenizer.
 */
export function detectTokenizerKind(json: HFTokenizerJson | string): TokenizerKind {
  const parsed = parseTokenizerJson(json);
  return isByteLevel(parsed.pre_tokenizer) ? 'bpe' : 'char';
}

/** Load a tokenizer from tokenizer.json (object or text); throws TokenizerJsonError if malformed. */
export function tokenizerFromJSON(json: HFTokenizerJson | string): Tokenizer {
  const parsed = parseTokenizerJson(json);
  return isByteLevel(parsed.pre_tokenizer)
    ? BpeTokenizer.fromJSON(parsed)
    : CharTokenizer.fromJSON(parsed);
}

/** tokenizer.json text for a tokenizer (pretty-printed, 2-space indent). */
export function tokenizerToJSONString(tok: Tokenizer): string {
  return JSON.stringify(tok.toJSON(), null, 2);
}
