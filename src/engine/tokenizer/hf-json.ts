/**
 * Reading and writing the Hugging Face tokenizer.json shape: validation with error messages
 * that name the offending field, plus builders for the parts both tokenizer kinds share.
 */
import type { AddedToken } from './special-tokens';
import type { HFTokenizerJson } from './types';

/** Thrown when a tokenizer.json cannot be used; the message names the field that is wrong. */
export class TokenizerJsonError extends Error {
  constructor(message: string) {
    super(`Invalid tokenizer.json: ${message}`);
    this.name = 'TokenizerJsonError';
  }
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 40))}`;
  return typeof v;
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Parse (if a string) and check the fields the lab relies on. Returns the same object typed as
 * HFTokenizerJson; unknown extra fields are allowed and ignored.
 */
export function parseTokenizerJson(input: HFTokenizerJson | string | unknown): HFTokenizerJson {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new TokenizerJsonError(`not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(value)) throw new TokenizerJsonError(`expected an object, got ${describe(value)}`);
  const model = value.model;
  if (!isObject(model))
    throw new TokenizerJsonError(`"model" must be an object, got ${describe(model)}`);
  if (model.type !== 'BPE') {
    throw new TokenizerJsonError(
      `"model.type" must be "BPE" (the only model the lab reads), got ${JSON.stringify(model.type)}`,
    );
  }
  if (!isObject(model.vocab)) {
    throw new TokenizerJsonError(`"model.vocab" must be an object, got ${describe(model.vocab)}`);
  }
  for (const [token, id] of Object.entries(model.vocab)) {
    if (!isId(id)) {
      throw new TokenizerJsonError(
        `"model.vocab" entry ${JSON.stringify(token)} must map to a non-negative integer id, got ${describe(id)}`,
      );
    }
  }
  const merges = model.merges ?? [];
  if (!Array.isArray(merges)) {
    throw new TokenizerJsonError(`"model.merges" must be an array, got ${describe(model.merges)}`);
  }
  const added = value.added_tokens ?? [];
  if (!Array.isArray(added)) {
    throw new TokenizerJsonError(`"added_tokens" must be an array, got ${describe(added)}`);
  }
  added.forEach((t: unknown, i) => {
    if (!isObject(t)) throw new TokenizerJsonError(`"added_tokens[${i}]" must be an object`);
    if (!isId(t.id)) {
      throw new TokenizerJsonError(
        `"added_tokens[${i}].id" must be a non-negative integer, got ${describe(t.id)}`,
      );
    }
    if (typeof t.content !== 'string' || t.content.length === 0) {
      throw new TokenizerJsonError(`"added_tokens[${i}].content" must be a non-empty string`);
    }
  });
  // Shallow copies: the caller's object is never modified.
  return {
    ...value,
    added_tokens: added,
    model: { ...model, merges },
  } as unknown as HFTokenizerJson;
}

/** The added tokens of a validated tokenizer.json. */
export function readAddedTokens(json: HFTokenizerJson): AddedToken[] {
  return json.added_tokens.map((t) => ({
    id: t.id,
    content: t.content,
    special: t.special !== false,
  }));
}

/** Require each of the given contents among the added tokens. */
export function requireAddedTokens(
  added: readonly AddedToken[],
  contents: readonly string[],
): void {
  const have = new Set(added.map((t) => t.content));
  for (const c of contents) {
    if (!have.has(c))
      throw new TokenizerJsonError(`"added_tokens" is missing the special token ${c}`);
  }
}

/**
 * The id -> token-string table from `model.vocab` and `added_tokens`, checking that ids are
 * unique and run contiguously from 0.
 */
export function buildIdTable(json: HFTokenizerJson, added: readonly AddedToken[]): string[] {
  const table: Array<string | undefined> = [];
  const place = (id: number, content: string, where: string): void => {
    const prev = table[id];
    if (prev !== undefined && prev !== content) {
      throw new TokenizerJsonError(
        `id ${id} is used by both ${JSON.stringify(prev)} and ${JSON.stringify(content)} (${where})`,
      );
    }
    table[id] = content;
  };
  for (const [token, id] of Object.entries(json.model.vocab)) place(id, token, '"model.vocab"');
  for (const t of added) {
    const vocabId = json.model.vocab[t.content];
    if (vocabId !== undefined && vocabId !== t.id) {
      throw new TokenizerJsonError(
        `added token ${JSON.stringify(t.content)} has id ${t.id} in "added_tokens" but ${vocabId} in "model.vocab"`,
      );
    }
    place(t.id, t.content, '"added_tokens"');
  }
  for (let id = 0; id < table.length; id++) {
    if (table[id] === undefined) {
      throw new TokenizerJsonError(`ids must be contiguous from 0, but no token has id ${id}`);
    }
  }
  if (table.length === 0) throw new TokenizerJsonError('"model.vocab" is empty');
  return table as string[];
}

/** Merges as [left, right] pairs, accepting both "a b" strings and ["a", "b"] arrays. */
export function readMerges(json: HFTokenizerJson): Array<[string, string]> {
  const merges: unknown[] = json.model.merges;
  return merges.map((m, i) => {
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
        throw new TokenizerJsonError(
          `"model.merges[${i}]" must be two tokens separated by one space, got ${JSON.stringify(m)}`,
        );
      }
      return [parts[0], parts[1]];
    }
    if (
      Array.isArray(m) &&
      m.length === 2 &&
      typeof m[0] === 'string' &&
      typeof m[1] === 'string'
    ) {
      return [m[0], m[1]];
    }
    throw new TokenizerJsonError(
      `"model.merges[${i}]" must be a string "a b" or a pair ["a", "b"], got ${describe(m)}`,
    );
  });
}

/** The `type` field of a tokenizer.json component such as `pre_tokenizer`, if any. */
export function componentType(component: unknown): string | undefined {
  return isObject(component) && typeof component.type === 'string' ? component.type : undefined;
}

/** A component's boolean option, or undefined if absent. */
export function componentFlag(component: unknown, name: string): boolean | undefined {
  if (!isObject(component)) return undefined;
  const v = component[name];
  return typeof v === 'boolean' ? v : undefined;
}

/** `added_tokens` entries in HF form. */
export function addedTokensJson(added: readonly AddedToken[]): HFTokenizerJson['added_tokens'] {
  return [...added]
    .sort((a, b) => a.id - b.id)
    .map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: t.special,
    }));
}

/** `model.vocab` in id order from an id -> token table. */
export function vocabJson(table: readonly string[]): Record<string, number> {
  const vocab: Record<string, number> = {};
  table.forEach((token, id) => {
    vocab[token] = id;
  });
  return vocab;
}
