/**
 * JSON Lines read as a stream of byte chunks: each line with its 1-based number and byte range,
 * so a record can be read again later from the file alone. Memory: one chunk plus one line.
 */

/** One line of a JSONL file. */
export interface JsonlLine {
  /** 1-based. */
  line: number;
  /** Byte range of the line, without its newline. */
  start: number;
  end: number;
  text: string;
  /** The last line had no newline after it (a torn write shows up here). */
  unterminated: boolean;
}

const NEWLINE = 0x0a;

/** Splits a chunk stream into lines (CRLF tolerated), decoding each as UTF-8. */
export async function* jsonlLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<JsonlLine> {
  const decoder = new TextDecoder();
  let carry: Uint8Array = new Uint8Array(0);
  let offset = 0; // byte offset of carry[0] in the file
  let line = 0;
  const emit = (bytes: Uint8Array, start: number, unterminated: boolean): JsonlLine => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--; // CRLF
    line++;
    return {
      line,
      start,
      end: start + end,
      text: decoder.decode(bytes.subarray(0, end)),
      unterminated,
    };
  };
  for await (const chunk of chunks) {
    let data = chunk;
    if (carry.length) {
      data = new Uint8Array(carry.length + chunk.length);
      data.set(carry);
      data.set(chunk, carry.length);
    }
    let from = 0;
    for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, from)) {
      yield emit(data.subarray(from, nl), offset + from, false);
      from = nl + 1;
    }
    carry = data.slice(from);
    offset += from;
  }
  if (carry.length) yield emit(carry, offset, true);
}

/** Parses one line as a JSON object; Python's NaN / Infinity (json.dumps) read as null. */
export function parseJsonObject(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (!/\b(?:NaN|-?Infinity)\b/.test(text)) return `invalid JSON (${(e as Error).message})`;
    try {
      value = JSON.parse(text.replace(/(:\s*|\[\s*|,\s*)(?:NaN|-?Infinity)\b/g, '$1null'));
    } catch {
      return `invalid JSON (${(e as Error).message})`;
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `expected one JSON object per line, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`;
  return value as Record<string, unknown>;
}
