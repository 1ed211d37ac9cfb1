import { describe, expect, it } from 'vitest';
import { trainTokenizer } from '../engine/tokenizer';
import { escapeInvisible, hexBytes, shownNote, shownTokens, tokenBytes } from './tokenDisplay';

describe('tokens as the inspector shows them', () => {
  it('joins byte tokens into the characters they form, one token per span', () => {
    // "é" = C3 A9 and "€" = E2 82 AC, split over tokens as a byte-level BPE may split them.
    const shown = shownTokens(['a', '<0xC3>', '<0xA9>', '<0xE2><0x82>', '<0xAC>', 'b']);
    expect(shown.map((s) => s.text)).toEqual(['a', 'é', '', '€', '', 'b']);
    expect(shown.map((s) => s.continues)).toEqual([false, false, true, false, true, false]);
    expect(shown[1].joined).toEqual({ text: 'é', tokens: 2 });
    expect(shown[3].joined).toEqual({ text: '€', tokens: 2 });
    expect(shown[3].bytes).toEqual([0xe2, 0x82]);
    expect(shown.some((s) => s.escaped)).toBe(false);
  });

  it('shows bytes that form no character, and control characters, as visible escapes', () => {
    // DB DD is not UTF-8 (DD is no continuation byte); 01 and ESC are controls.
    const shown = shownTokens(['<0xDB><0xDD>', 'x\u0001y', '\u001b[0m', 'ok\u200b']);
    expect(shown.map((s) => s.text)).toEqual(['\\xDB\\xDD', 'x\\x01y', '\\x1B[0m', 'ok\\u200B']);
    expect(shown.every((s) => s.escaped)).toBe(true);
    // A character cut off at the end of the rollout: its lead byte is escaped.
    expect(shownTokens(['<0xE2><0x82>']).map((s) => s.text)).toEqual(['\\xE2\\x82']);
  });

  it('a real byte-level BPE: every byte token of a rollout is shown as text, none raw', () => {
    const tok = trainTokenizer('bpe', 'plain ascii words only, numbers 12 and 34', {
      vocabSize: 300,
    });
    const text = 'café € 😀 ٣';
    const ids = tok.encode(text);
    const raw = ids.map((id) => tok.tokenText(id));
    expect(raw.some((t) => tokenBytes(t) !== null)).toBe(true); // the tokenizer made byte tokens
    const shown = shownTokens(raw);
    expect(shown.map((s) => s.text).join('')).toBe(text);
    expect(shown.some((s) => /<0x/.test(s.text))).toBe(false);
    expect(shown.length).toBe(ids.length);
  });

  it('leaves newlines and tabs to displayText and writes hex lists', () => {
    expect(escapeInvisible('a\nb\tc')).toBe('a\nb\tc');
    expect(escapeInvisible('\ud800')).toBe('\\uD800');
    expect(hexBytes([0xe2, 0x82, 0xac])).toBe('E2 82 AC');
  });

  it('tells on hover what a joined or escaped token holds', () => {
    const [, start, cont, bad, ctrl, plain] = shownTokens([
      'a',
      '<0xE2><0x82>',
      '<0xAC>',
      '<0xDB>',
      '\u0001',
      'b',
    ]);
    expect(shownNote(start)).toBe('bytes E2 82: with the next 1 token(s) they form "€"');
    expect(shownNote(cont)).toBe('bytes AC: the end of the character shown before it');
    expect(shownNote(bad)).toBe('bytes DB: not a whole character, shown as \\x escapes');
    expect(shownNote(ctrl)).toBe('holds control or invisible characters, shown as escapes');
    expect(shownNote(plain)).toBeNull();
  });
});
