import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe';
import { trainBpe } from './bpe-train';
import { preTokenize } from './pretokenize';
import { LAB_SPECIAL_TOKENS } from './special-tokens';
import { randomUnicodeString, SAMPLE_CORPUS, seededRandom } from './test-helpers';

const BYTE_BASE = LAB_SPECIAL_TOKENS.length; // id of byte 0x00

function corpusOfSize(bytes: number): string {
  const rand = seededRandom(7);
  const words = SAMPLE_CORPUS.split(/\s+/);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const w = words[Math.floor(rand() * words.length)];
    parts.push(w);
    size += w.length + 1;
  }
  return parts.join(' ');
}

describe('byte-level BPE training', () => {
  it('learns the hand-computed merges of "aaabdaaabac"', () => {
    // Word "aaabdaaabac" (one GPT-2 word). Pair counts: aa 4, ab 2, bd 1, da 1, ba 1, ac 1.
    // 1. merge a+a -> aa:  aa a b d aa a b a c ; pairs (aa,a) 2, (a,b) 2, others 1.
    // 2. tie at 2 broken by smaller ids: (a,b) beats (aa,a) because "aa" is a new id.
    //    -> aa ab d aa ab a c ; (aa,ab) 2.
    // 3. merge aa+ab -> aaab: aaab d aaab a c ; every pair now occurs once (< minFrequency 2).
    const spec = trainBpe('aaabdaaabac', { vocabSize: 300 });
    expect(spec.merges).toEqual([
      ['a', 'a'],
      ['a', 'b'],
      ['aa', 'ab'],
    ]);
    const tok = new BpeTokenizer(spec);
    const first = BYTE_BASE + 256;
    expect(tok.vocabSize).toBe(first + 3);
    expect([tok.tokenText(first), tok.tokenText(first + 1), tok.tokenText(first + 2)]).toEqual([
      'aa',
      'ab',
      'aaab',
    ]);
    const b = (ch: string): number => BYTE_BASE + ch.charCodeAt(0);
    expect(tok.encode('aaabdaaabac')).toEqual([first + 2, b('d'), first + 2, b('a'), b('c')]);
    // Merges apply by rank on new text too: "aaaa" -> aa aa, "aab" -> aa b.
    expect(tok.encode('aaaa')).toEqual([first, first]);
    expect(tok.encode('aab')).toEqual([first, b('b')]);
  });

  it('with minFrequency 1 keeps merging single pairs up to the vocab size', () => {
    // All pairs occur once; ties go to the smaller ids: (a,b), then (c,d) beats (ab,c).
    const spec = trainBpe('abcd', { vocabSize: BYTE_BASE + 256 + 3, minFrequency: 1 });
    expect(spec.merges.map((m) => m.join(' '))).toEqual(['a b', 'c d', 'ab cd']);
  });

  it('is deterministic: same corpus, same merges and vocab', () => {
    const corpus = corpusOfSize(20_000);
    const a = trainBpe(corpus, { vocabSize: 400 });
    const b = trainBpe(corpus, { vocabSize: 400 });
    expect(a.merges).toEqual(b.merges);
    expect(a.vocab).toEqual(b.vocab);
    expect(a.merges.length).toBeGreaterThan(100);
  });

  it('compresses the training corpus (fewer tokens than bytes)', () => {
    const corpus = corpusOfSize(20_000);
    const tok = BpeTokenizer.train(corpus, { vocabSize: 400 });
    const ids = tok.encode(corpus);
    const bytes = new TextEncoder().encode(corpus).length;
    expect(ids.length).toBeLessThan(bytes / 2);
    expect(tok.decode(ids)).toBe(corpus);
  });

  it('trains a 200 KB corpus to vocab 512 in a few seconds', () => {
    const rand = seededRandom(3);
    const words: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      let w = '';
      const len = 1 + Math.floor(rand() * 8);
      for (let j = 0; j < len; j++) w += String.fromCharCode(97 + Math.floor(rand() * rand() * 26));
      words.push(w);
    }
    const corpus = words.join(' ').slice(0, 200_000);
    const start = performance.now();
    const tok = BpeTokenizer.train(corpus, { vocabSize: 512 });
    const ms = performance.now() - start;
    expect(tok.vocabSize).toBe(512);
    expect(ms).toBeLessThan(5000);
  });

  it('rejects a vocab size smaller than specials + 256 bytes', () => {
    expect(() => trainBpe('abc', { vocabSize: 100 })).toThrow(
      /vocabSize must be an integer >= 263/,
    );
  });
});

describe('byte-level BPE encode/decode', () => {
  const tok = BpeTokenizer.train(SAMPLE_CORPUS, { vocabSize: 400 });

  const cases: Record<string, string> = {
    empty: '',
    ascii: 'Hello, world! 1234567890',
    emoji: '😀🎉 👍🏽',
    zwjFamily: '👨‍👩‍👧‍👦 and 🏳️‍🌈 and 👩🏽‍💻',
    cjk: '日本語のテキスト、中文字符，한국어',
    combining: 'e\u0301 a\u0308 Z\u0351\u0352\u0357 n\u0303',
    controls: '\u0000\u0001\u0007\b\u001b[31m\u007f\u0085\u200b\ufeff',
    loneNewlines: '\n\na\n \n',
    tabs: '\t\tindented\t\n\t',
    rtl: 'مرحبا بالعالم שלום',
    astral: '𝕳𝖊𝖑𝖑𝖔 \u{10ffff} \u{e0001}',
    spaces: '   leading and trailing   ',
    contractions: "I'll we've they'd it's",
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`round-trips ${name}`, () => {
      expect(tok.decode(tok.encode(text))).toBe(text);
    });
  }

  it('round-trips random strings over the whole code-point range', () => {
    const rand = seededRandom(12345);
    for (let i = 0; i < 300; i++) {
      const text = randomUnicodeString(rand, 1 + Math.floor(rand() * 60));
      const ids = tok.encode(text);
      expect(tok.decode(ids)).toBe(text);
      for (const id of ids) expect(id).toBeLessThan(tok.vocabSize);
    }
  });

  it('round-trips random strings with a tokenizer trained on random text', () => {
    const rand = seededRandom(99);
    const corpus = randomUnicodeString(rand, 5000);
    const t = BpeTokenizer.train(corpus, { vocabSize: 350, minFrequency: 1 });
    expect(t.decode(t.encode(corpus))).toBe(corpus);
    for (let i = 0; i < 100; i++) {
      const text = randomUnicodeString(rand, 40);
      expect(t.decode(t.encode(text))).toBe(text);
    }
  });

  it('turns lone surrogates (no UTF-8 form) into U+FFFD', () => {
    expect(tok.decode(tok.encode('a\ud800b'))).toBe('a\ufffdb');
  });

  it('pre-tokenizes GPT-2 style and loses no text', () => {
    expect(preTokenize("Hello world, it's 2024!\n\n  ok")).toEqual([
      'Hello',
      ' world',
      ',',
      ' it',
      "'s",
      ' 2024',
      '!',
      '\n\n ',
      ' ok',
    ]);
    const rand = seededRandom(5);
    for (let i = 0; i < 200; i++) {
      const s = randomUnicodeString(rand, 50);
      expect(preTokenize(s).join('')).toBe(s);
    }
  });

  it('shows token text, with <0xNN> for bytes that are not whole UTF-8', () => {
    expect(tok.tokenText(BYTE_BASE + 0x41)).toBe('A');
    expect(tok.tokenText(BYTE_BASE + 0x0a)).toBe('\n');
    expect(tok.tokenText(BYTE_BASE + 0xf0)).toBe('<0xF0>');
    const emojiIds = tok.encode('😀');
    const shown = emojiIds.map((id) => tok.tokenText(id)).join('');
    expect(shown === '😀' || /^(<0x[0-9A-F]{2}>)+$/.test(shown)).toBe(true);
    expect(() => tok.tokenText(tok.vocabSize)).toThrow(RangeError);
  });

  it('rejects out-of-range ids in decode', () => {
    expect(() => tok.decode([tok.vocabSize])).toThrow(/out of range/);
    expect(() => tok.decode([-1])).toThrow(/out of range/);
  });
});
