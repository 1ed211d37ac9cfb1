/**
 * How the inspector writes each token of a rollout. Pure functions, unit-tested.
 *
 * A byte-level tokenizer names a token whose bytes are not whole UTF-8 `<0xE2><0x82>`
 * (tokenizer.tokenText). Consecutive byte tokens are joined into the characters they form: the
 * token where a character starts shows it, the tokens that only finish it show nothing (they
 * stay in the DOM, so every token keeps its colour, hover card and data attributes). Bytes that
 * form no character, and control or invisible characters anywhere, are shown as visible escapes
 * (`\xDB`, `\x01`, `\u200B`); the hover card gives the token's raw id and bytes.
 */

/** A token whose text is only `<0xNN>` bytes. */
const BYTE_TOKEN = /^(?:<0x[0-9A-Fa-f]{2}>)+$/;

/** Characters that would be invisible or draw as an empty box: C0/C1 controls, format marks. */
function invisible(c: number): boolean {
  return (
    (c <= 0x1f && c !== 0x09 && c !== 0x0a) || // C0 controls but tab and newline
    (c >= 0x7f && c <= 0x9f) || // DEL, C1 controls
    c === 0xad || // soft hyphen
    (c >= 0x200b && c <= 0x200f) || // zero-width space / joiners, direction marks
    (c >= 0x2028 && c <= 0x202e) || // line / paragraph separators, embedding controls
    (c >= 0x2060 && c <= 0x2064) || // word joiner, invisible operators
    c === 0xfeff // byte-order mark
  );
}

/** One token as shown. */
export interface ShownToken {
  /** The text written for it ("" when it only finishes the character of a token before). */
  text: string;
  /** Some of it is an escape (`\xDB`, `\x01`): bytes or characters that cannot show as such. */
  escaped: boolean;
  /** It only holds the last bytes of a character shown on an earlier token. */
  continues: boolean;
  /** Its bytes, when it is a byte token (`<0xE2>` → [0xE2]). */
  bytes: number[] | null;
  /** For a byte token that starts a character: the text its run spells and how many tokens. */
  joined: { text: string; tokens: number } | null;
}

/** The bytes of a `<0xNN>…` token, or null. */
export function tokenBytes(text: string): number[] | null {
  if (!BYTE_TOKEN.test(text)) return null;
  return Array.from(text.matchAll(/<0x([0-9A-Fa-f]{2})>/g), (m) => parseInt(m[1], 16));
}

const hex = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');

/** `s` with control and invisible characters written as escapes (newline and tab kept). */
export function escapeInvisible(s: string): string {
  let escaped = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!invisible(c)) escaped += s[i];
    else if (c <= 0xff) escaped += `\\x${hex(c)}`;
    else escaped += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  // A lone surrogate (half of a character) cannot be drawn either.
  return escaped.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Length of the UTF-8 sequence a lead byte starts (0: not a lead byte). */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** The character `bytes[at..]` starts, or null when those bytes form none. */
function characterAt(
  bytes: readonly number[],
  at: number,
): { text: string; length: number } | null {
  const n = sequenceLength(bytes[at]);
  if (n === 0 || at + n > bytes.length) return null;
  try {
    return { text: strict.decode(Uint8Array.from(bytes.slice(at, at + n))), length: n };
  } catch {
    return null;
  }
}

/** Every token of a rollout as shown, in order (see the top of this file). */
export function shownTokens(texts: readonly string[]): ShownToken[] {
  const out: ShownToken[] = texts.map((t) => {
    const bytes = tokenBytes(t);
    return bytes
      ? { text: '', escaped: false, continues: false, bytes, joined: null }
      : { text: t, escaped: false, continues: false, bytes: null, joined: null };
  });
  let i = 0;
  while (i < out.length) {
    if (!out[i].bytes) {
      i++;
      continue;
    }
    // A run of byte tokens: decode its bytes together, each character on the token it starts in.
    let j = i;
    const bytes: number[] = [];
    const owner: number[] = [];
    while (j < out.length && out[j].bytes) {
      for (const b of out[j].bytes!) {
        bytes.push(b);
        owner.push(j);
      }
      j++;
    }
    const starts = new Set<number>();
    for (let p = 0; p < bytes.length;) {
      const t = owner[p];
      starts.add(t);
      const ch = characterAt(bytes, p);
      if (ch) {
        out[t].text += ch.text;
        const last = owner[p + ch.length - 1];
        if (last !== t) {
          const prev = out[t].joined;
          out[t].joined = {
            text: (prev?.text ?? '') + ch.text,
            tokens: Math.max(prev?.tokens ?? 1, last - t + 1),
          };
        }
        p += ch.length;
      } else {
        out[t].text += `\\x${hex(bytes[p])}`;
        out[t].escaped = true;
        p += 1;
      }
    }
    for (let k = i; k < j; k++) if (!starts.has(k)) out[k].continues = true;
    i = j;
  }
  for (const s of out) {
    const visible = escapeInvisible(s.text);
    if (visible !== s.text) {
      s.text = visible;
      s.escaped = true;
    }
  }
  return out;
}

/** The byte list as hex ("E2 82 AC"). */
export function hexBytes(bytes: readonly number[]): string {
  return bytes.map(hex).join(' ');
}

const cache = new WeakMap<readonly { text: string }[], ShownToken[]>();

/** shownTokens of a rollout's token records, computed once per rollout. */
export function shownFor(tokens: readonly { text: string }[]): ShownToken[] {
  let s = cache.get(tokens);
  if (!s) {
    s = shownTokens(tokens.map((t) => t.text));
    cache.set(tokens, s);
  }
  return s;
}

/** What the hover card says about how a token is written, or null when it shows as itself. */
export function shownNote(s: ShownToken): string | null {
  if (s.bytes) {
    const bytes = `bytes ${hexBytes(s.bytes)}`;
    if (s.continues) return `${bytes}: the end of the character shown before it`;
    if (s.joined)
      return `${bytes}: with the next ${s.joined.tokens - 1} token(s) they form ${JSON.stringify(s.joined.text)}`;
    return s.escaped ? `${bytes}: not a whole character, shown as \\x escapes` : bytes;
  }
  return s.escaped ? 'holds control or invisible characters, shown as escapes' : null;
}
