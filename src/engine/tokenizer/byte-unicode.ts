/**
 * GPT-2's reversible map between the 256 byte values and printable Unicode characters, so that
 * byte-level BPE tokens can be stored as readable strings in tokenizer.json (space is "Ġ",
 * newline is "Ċ", ...).
 */

function buildByteToUnicode(): string[] {
  const printable: number[] = [];
  const push = (from: number, to: number): void => {
    for (let b = from; b <= to; b++) printable.push(b);
  };
  push(0x21, 0x7e); // '!'..'~'
  push(0xa1, 0xac); // '¡'..'¬'
  push(0xae, 0xff); // '®'..'ÿ'
  const table: string[] = new Array<string>(256);
  const isPrintable = new Set(printable);
  for (const b of printable) table[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!isPrintable.has(b)) {
      table[b] = String.fromCodePoint(256 + n);
      n++;
    }
  }
  return table;
}

/** BYTE_TO_UNICODE[b] is the one-character string standing for byte b. */
export const BYTE_TO_UNICODE: readonly string[] = buildByteToUnicode();

/** Inverse of BYTE_TO_UNICODE. */
export const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map(
  BYTE_TO_UNICODE.map((ch, b) => [ch, b] as const),
);

/** The byte-level string for some bytes (one character per byte). */
export function bytesToUnicodeString(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_TO_UNICODE[b];
  return s;
}

/** The bytes a byte-level string stands for, or null if a character is not in the table. */
export function unicodeStringToBytes(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  let i = 0;
  for (const ch of s) {
    const b = UNICODE_TO_BYTE.get(ch);
    if (b === undefined) return null;
    out[i++] = b;
  }
  return out.subarray(0, i);
}

const encoder = new TextEncoder();
const lenientDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string (lone surrogates become U+FFFD). */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decode UTF-8, replacing invalid sequences with U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  return lenientDecoder.decode(bytes);
}

/** Decode UTF-8, or null if the bytes are not complete, valid UTF-8. */
export function utf8DecodeStrict(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}
