/** The Hugging Face tokenizer.json shape (the subset the lab reads and writes). */
export interface HFTokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: Array<{
    id: number;
    content: string;
    single_word: boolean;
    lstrip: boolean;
    rstrip: boolean;
    normalized: boolean;
    special: boolean;
  }>;
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: string | null;
    continuing_subword_prefix: string | null;
    end_of_word_suffix: string | null;
    fuse_unk: boolean;
    byte_fallback: boolean;
    vocab: Record<string, number>;
    merges: string[] | Array<[string, string]>;
  };
}

/** A role in the simple chat format used for prompts. */
export type ChatRole = 'system' | 'user' | 'assistant';
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/**
 * A tokenizer the student model uses. Ids 0..vocabSize-1. Special tokens (BOS/EOS/PAD and the
 * chat role markers) are single ids; `encode` recognises their text forms inside its input.
 */
export interface Tokenizer {
  /** 'char' / 'bpe': trained by the lab; 'hf': a pretrained model's tokenizer.json. */
  readonly kind: 'char' | 'bpe' | 'hf';
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Text to ids. Special-token strings in the text (e.g. "<|eos|>") map to their ids. */
  encode(text: string): number[];
  /** Ids to text. With skipSpecial, BOS/EOS/PAD and role markers are dropped. */
  decode(ids: readonly number[], options?: { skipSpecial?: boolean }): string;
  /** Display text of one token (for the inspector); bytes that are not whole UTF-8 shown as <0xNN>. */
  tokenText(id: number): string;
  /** Serialise as Hugging Face tokenizer.json. */
  toJSON(): HFTokenizerJson;
  /**
   * A pretrained model's chat template (tokenizer_config.json), when it has one: prompts are
   * then formatted as the model was tuned to see them instead of in the lab's chat format.
   */
  applyChatTemplate?(
    messages: readonly ChatMessage[],
    options: { addGenerationPrompt: boolean },
  ): string;
}
