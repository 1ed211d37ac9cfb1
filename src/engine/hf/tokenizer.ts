/**
 * A pretrained model's own tokenizer: tokenizer.json run by @huggingface/tokenizers (the Hub's
 * pure-JS port of the Rust library: normalizers, Split/ByteLevel/Digits pre-tokenizers, BPE with
 * ignore_merges, added tokens), and the chat template from tokenizer_config.json rendered by
 * @huggingface/jinja. `encode` adds no special tokens (add_special_tokens=False, as
 * transformers' apply_chat_template does): a template writes its own BOS.
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer as HubTokenizer } from '@huggingface/tokenizers';
import { UNICODE_TO_BYTE, utf8DecodeStrict } from '../tokenizer/byte-unicode';
import type { ChatMessage, HFTokenizerJson, Tokenizer } from '../tokenizer/types';

/** The files a pretrained tokenizer is built from (JSON already parsed). */
export interface HfTokenizerFiles {
  tokenizerJson: unknown;
  /** tokenizer_config.json: chat_template, bos/eos/pad tokens. */
  tokenizerConfig?: Record<string, unknown> | null;
  /** generation_config.json: eos/bos/pad ids when tokenizer_config.json names none. */
  generationConfig?: Record<string, unknown> | null;
  /** config.json (same fallback). */
  modelConfig?: Record<string, unknown> | null;
  /** chat_template.jinja, which newer checkpoints ship instead of a tokenizer_config entry. */
  chatTemplate?: string | null;
}

type TokenSpec = string | { content?: string } | null | undefined;

function tokenContent(spec: unknown): string | null {
  if (typeof spec === 'string') return spec;
  if (
    spec &&
    typeof spec === 'object' &&
    typeof (spec as { content?: unknown }).content === 'string'
  )
    return (spec as { content: string }).content;
  return null;
}

function firstId(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (Array.isArray(v)) return firstId(v[0]);
  return null;
}

/** The chat template text: a string, or the "default" entry of a list of named templates. */
function chatTemplateOf(files: HfTokenizerFiles): string | null {
  if (files.chatTemplate) return files.chatTemplate;
  const t = files.tokenizerConfig?.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as Array<{ name?: string; template?: string }>;
    return (named.find((x) => x.name === 'default') ?? named[0])?.template ?? null;
  }
  return null;
}

export class HfTokenizer implements Tokenizer {
  readonly kind = 'hf' as const;
  /** Ids 0..vocabSize-1 have a token (a model's vocab_size may be larger: padding rows). */
  readonly vocabSize: number;
  /** -1 when the model has no BOS token (Qwen2). */
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** The template formats prompts; null: plain text (see applyChatTemplate). */
  readonly chatTemplate: string | null;
  private readonly hub: HubTokenizer;
  private readonly json: HFTokenizerJson;
  private readonly template: Template | null;
  private readonly idToToken: Array<string | undefined>;
  private readonly added: Map<number, { content: string; special: boolean }>;
  private readonly byteLevel: boolean;
  private readonly specialText: Record<string, string>;

  constructor(files: HfTokenizerFiles) {
    const json = files.tokenizerJson as HFTokenizerJson & { model?: { vocab?: unknown } };
    if (!json || typeof json !== 'object' || !json.model || typeof json.model !== 'object')
      throw new Error('tokenizer.json: expected an object with a "model" section.');
    const config = files.tokenizerConfig ?? {};
    try {
      this.hub = new HubTokenizer(json, config);
    } catch (e) {
      throw new Error(`tokenizer.json could not be loaded: ${(e as Error).message}`);
    }
    this.json = json;
    this.idToToken = [];
    for (const [tok, id] of this.hub.get_vocab(true)) this.idToToken[id] = tok;
    this.vocabSize = this.idToToken.length;
    this.added = new Map();
    for (const [id, t] of this.hub.get_added_tokens_decoder())
      this.added.set(id, { content: t.content, special: t.special });
    this.byteLevel = (json.decoder as { type?: string } | null)?.type === 'ByteLevel';

    const idOf = (spec: unknown): number | null => {
      const content = tokenContent(spec);
      return content === null ? null : (this.hub.token_to_id(content) ?? null);
    };
    const gen = files.generationConfig ?? {};
    const model = files.modelConfig ?? {};
    const eos =
      idOf(config.eos_token) ?? firstId(gen.eos_token_id) ?? firstId(model.eos_token_id) ?? null;
    if (eos === null) {
      throw new Error(
        'No end-of-sequence token: tokenizer_config.json has no eos_token and generation_config.json / config.json no eos_token_id; add one so sampling knows where a reply ends.',
      );
    }
    this.eosId = eos;
    this.bosId =
      idOf(config.bos_token) ?? firstId(gen.bos_token_id) ?? firstId(model.bos_token_id) ?? -1;
    this.padId = idOf(config.pad_token) ?? firstId(gen.pad_token_id) ?? eos;
    this.specialText = {};
    for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
      const c = tokenContent(config[key] as TokenSpec);
      this.specialText[key] = c ?? '';
    }
    this.chatTemplate = chatTemplateOf(files);
    try {
      this.template = this.chatTemplate === null ? null : new Template(this.chatTemplate);
    } catch (e) {
      throw new Error(`The chat template could not be parsed: ${(e as Error).message}`);
    }
  }

  encode(text: string): number[] {
    return this.hub.encode(text, { add_special_tokens: false }).ids;
  }

  /** Ids without a token (a model's padding rows) decode to nothing. */
  decode(ids: readonly number[], options: { skipSpecial?: boolean } = {}): string {
    const known = ids.filter((id) => this.idToToken[id] !== undefined);
    if (known.length === 0) return '';
    return this.hub.decode(known, { skip_special_tokens: options.skipSpecial ?? false });
  }

  tokenText(id: number): string {
    const tok = this.idToToken[id];
    if (tok === undefined) return `<|id ${id}|>`;
    const added = this.added.get(id);
    if (added) return added.content;
    if (!this.byteLevel) return this.hub.decode([id]);
    const bytes = new Uint8Array(tok.length);
    let n = 0;
    for (const ch of tok) {
      const b = UNICODE_TO_BYTE.get(ch);
      if (b === undefined) return tok;
      bytes[n++] = b;
    }
    const raw = bytes.subarray(0, n);
    return (
      utf8DecodeStrict(raw) ??
      Array.from(raw, (b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).join('')
    );
  }

  /**
   * The prompt text for messages, as transformers' apply_chat_template(tokenize=False) writes
   * it. Without a template: the messages' contents, one per paragraph, after BOS.
   */
  applyChatTemplate(
    messages: readonly ChatMessage[],
    { addGenerationPrompt }: { addGenerationPrompt: boolean },
  ): string {
    if (!this.template) {
      const bos = this.bosId >= 0 ? this.specialText.bos_token : '';
      return (
        bos + messages.map((m) => m.content).join('\n\n') + (addGenerationPrompt ? '\n\n' : '')
      );
    }
    return this.template.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: addGenerationPrompt,
      ...this.specialText,
    });
  }

  /** The tokenizer.json as loaded. */
  toJSON(): HFTokenizerJson {
    return this.json;
  }
}
