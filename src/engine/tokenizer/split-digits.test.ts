import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe';
import {
  detectTokenizerKind,
  tokenizerFromJSON,
  tokenizerToJSONString,
  trainTokenizer,
  TokenizerJsonError,
} from './index';
import { preTokenize } from './pretokenize';
import { randomUnicodeString, SAMPLE_CORPUS, seededRandom } from './test-helpers';
import type { HFTokenizerJson } from './types';

/** A corpus where BPE would merge digit runs ("12", " 30", "42") without splitDigits. */
const CORPUS = [SAMPLE_CORPUS, ...Array.from({ length: 40 }, (_, i) => `$${i} + 12 = ${i + 12}.`)]
  .join('\n')
  .repeat(3);

const digitTokens = (tok: BpeTokenizer, text: string): string[] =>
  tok
    .encode(text)
    .map((id) => tok.tokenText(id))
    .filter((t) => /\d/.test(t));

describe('BPE splitDigits (HF Sequence[Digits{individual_digits}, ByteLevel])', () => {
  const plain = trainTokenizer('bpe', CORPUS, { vocabSize: 400 }) as BpeTokenizer;
  const split = trainTokenizer('bpe', CORPUS, {
    vocabSize: 400,
    splitDigits: true,
  }) as BpeTokenizer;

  it('pre-tokenizes every numeric code point as its own word, losing no text', () => {
    expect(preTokenize('I have $27.50, 3x ٣٤!', { splitDigits: true })).toEqual([
      'I',
      ' have',
      ' $',
      '2',
      '7',
      '.',
      '5',
      '0',
      ',',
      ' ',
      '3',
      'x',
      ' ',
      '٣',
      '٤',
      '!',
    ]);
    const rand = seededRandom(3);
    for (let i = 0; i < 20; i++) {
      const s = randomUnicodeString(rand, 80);
      expect(preTokenize(s, { splitDigits: true }).join('')).toBe(s);
    }
  });

  it('is off by default, and when on no token holds more than one digit', () => {
    expect(plain.splitDigits).toBe(false);
    expect(digitTokens(plain, 'It costs 12 + 30 = 42.').some((t) => /\d.*\d|\s\d/.test(t))).toBe(
      true,
    );
    expect(split.splitDigits).toBe(true);
    for (let id = 0; id < split.vocabSize; id++) {
      const bytes = split.tokenBytesOf(id);
      if (bytes.some((b) => b >= 0x30 && b <= 0x39)) expect(bytes.length).toBe(1);
    }
    expect(digitTokens(split, 'It costs 12 + 30 = 42.')).toEqual(['1', '2', '3', '0', '4', '2']);
  });

  it('round-trips text, and saves/loads tokenizer.json with the Sequence pre_tokenizer', () => {
    const text = `${SAMPLE_CORPUS} 1234567890 ${randomUnicodeString(seededRandom(9), 100)}`;
    expect(split.decode(split.encode(text))).toBe(text);
    const json = tokenizerToJSONString(split);
    const hf = JSON.parse(json) as HFTokenizerJson;
    expect(hf.pre_tokenizer).toEqual({
      type: 'Sequence',
      pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    });
    expect(detectTokenizerKind(json)).toBe('bpe');
    const loaded = tokenizerFromJSON(json) as BpeTokenizer;
    expect(loaded.splitDigits).toBe(true);
    expect(loaded.encode(text)).toEqual(split.encode(text));
    expect(tokenizerToJSONString(loaded)).toBe(json);
    // The default stays a plain ByteLevel pre_tokenizer.
    expect((plain.toJSON().pre_tokenizer as { type: string }).type).toBe('ByteLevel');
  });

  it('rejects Sequence pre_tokenizers it cannot reproduce', () => {
    const base = split.toJSON();
    const withPre = (pre: unknown) => JSON.stringify({ ...base, pre_tokenizer: pre });
    const byteLevel = { type: 'ByteLevel', add_prefix_space: false, use_regex: true };
    expect(() =>
      tokenizerFromJSON(
        withPre({
          type: 'Sequence',
          pretokenizers: [{ type: 'Digits', individual_digits: false }, byteLevel],
        }),
      ),
    ).toThrow(/individual_digits" must be true/);
    expect(() =>
      tokenizerFromJSON(withPre({ type: 'Sequence', pretokenizers: [byteLevel] })),
    ).toThrow(TokenizerJsonError);
    expect(() =>
      tokenizerFromJSON(
        withPre({
          type: 'Sequence',
          pretokenizers: [
            { type: 'Digits', individual_digits: true },
            { ...byteLevel, use_regex: false },
          ],
        }),
      ),
    ).toThrow(/use_regex/);
  });
});
