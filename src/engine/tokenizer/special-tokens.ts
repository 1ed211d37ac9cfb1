/**
 * Special tokens shared by every lab tokenizer, and the machinery that finds their text forms
 * inside an input string so `encode` can map each one to a single id.
 */

/** Padding; always id 0 in freshly trained tokenizers. */
export const PAD_TOKEN = '<|pad|>';
/** Beginning of sequence; id 1. */
export const BOS_TOKEN = '<|bos|>';
/** End of sequence (ends the assistant's reply in training data); id 2. */
export const EOS_TOKEN = '<|eos|>';
/** Chat role marker: a system message follows; id 3. */
export const SYSTEM_TOKEN = '<|system|>';
/** Chat role marker: a user message follows; id 4. */
export const USER_TOKEN = '<|user|>';
/** Chat role marker: an assistant message follows; id 5. */
export const ASSISTANT_TOKEN = '<|assistant|>';
/** Ends one chat turn; id 6. */
export const END_TOKEN = '<|end|>';
/** Unknown character (char tokenizer only); id 7. */
export const UNK_TOKEN = '<|unk|>';

/** The specials every lab tokenizer carries, in id order (pad=0, bos=1, eos=2, ...). */
export const LAB_SPECIAL_TOKENS: readonly string[] = [
  PAD_TOKEN,
  BOS_TOKEN,
  EOS_TOKEN,
  SYSTEM_TOKEN,
  USER_TOKEN,
  ASSISTANT_TOKEN,
  END_TOKEN,
];

/** One entry of tokenizer.json `added_tokens`, reduced to what the lab uses. */
export interface AddedToken {
  id: number;
  content: string;
  /** Special tokens are dropped by `decode(ids, { skipSpecial: true })`. */
  special: boolean;
}

/** A piece of input text: either ordinary text or one recognised added token. */
export type Segment = { kind: 'text'; text: string } | { kind: 'added'; id: number };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The added tokens of one tokenizer, with lookups by id and by content. */
export class AddedTokens {
  readonly list: readonly AddedToken[];
  private readonly byContent = new Map<string, AddedToken>();
  private readonly byId = new Map<number, AddedToken>();
  private readonly pattern: RegExp | null;

  constructor(tokens: readonly AddedToken[]) {
    this.list = [...tokens].sort((a, b) => a.id - b.id);
    for (const t of this.list) {
      this.byContent.set(t.content, t);
      this.byId.set(t.id, t);
    }
    // Longest first so that a token that is a prefix of another never wins.
    const alternatives = this.list
      .map((t) => t.content)
      .filter((c) => c.length > 0)
      .sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0))
      .map(escapeRegExp);
    this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : null;
  }

  /** The added token with this id, if any. */
  get(id: number): AddedToken | undefined {
    return this.byId.get(id);
  }

  /** The id of the added token with this exact content, if any. */
  idOf(content: string): number | undefined {
    return this.byContent.get(content)?.id;
  }

  /** Split text on added-token strings (leftmost, longest match), keeping the text between. */
  split(text: string): Segment[] {
    if (this.pattern === null) return text.length > 0 ? [{ kind: 'text', text }] : [];
    const out: Segment[] = [];
    let last = 0;
    for (const m of text.matchAll(this.pattern)) {
      const start = m.index;
      if (start > last) out.push({ kind: 'text', text: text.slice(last, start) });
      const id = this.byContent.get(m[0])?.id;
      if (id === undefined) throw new Error(`internal: matched unknown added token ${m[0]}`);
      out.push({ kind: 'added', id });
      last = start + m[0].length;
    }
    if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
    return out;
  }

  /** The text parts of `text` with all added-token strings removed (used for training). */
  textParts(text: string): string[] {
    const parts: string[] = [];
    for (const s of this.split(text)) if (s.kind === 'text') parts.push(s.text);
    return parts;
  }
}

/** Added tokens at ids 0..n-1 for the given contents, all special. */
export function specialsAtLowIds(contents: readonly string[]): AddedToken[] {
  return contents.map((content, id) => ({ id, content, special: true }));
}
