import { describe, expect, it } from 'vitest';
import { trainTokenizer } from './index';
import { AddedTokens, LAB_SPECIAL_TOKENS } from './special-tokens';
import { SAMPLE_CORPUS } from './test-helpers';

const EXPECTED_IDS: Record<string, number> = {
  '<|pad|>': 0,
  '<|bos|>': 1,
  '<|eos|>': 2,
  '<|system|>': 3,
  '<|user|>': 4,
  '<|assistant|>': 5,
  '<|end|>': 6,
};

describe.each(['char', 'bpe'] as const)('special tokens (%s)', (kind) => {
  const tok = trainTokenizer(kind, SAMPLE_CORPUS, { vocabSize: 400 });

  it('sit at fixed low ids', () => {
    expect([tok.padId, tok.bosId, tok.eosId]).toEqual([0, 1, 2]);
    for (const [content, id] of Object.entries(EXPECTED_IDS)) {
      expect(tok.encode(content)).toEqual([id]);
      expect(tok.tokenText(id)).toBe(content);
    }
  });

  it('encode to single ids inside text', () => {
    const ids = tok.encode('The<|eos|>fox<|user|><|assistant|>dog');
    expect(ids).toContain(2);
    expect(ids.filter((id) => id < LAB_SPECIAL_TOKENS.length)).toEqual([2, 4, 5]);
    expect(ids).toEqual([
      ...tok.encode('The'),
      2,
      ...tok.encode('fox'),
      4,
      5,
      ...tok.encode('dog'),
    ]);
  });

  it('decode as their text, or are dropped with skipSpecial', () => {
    const text = '<|bos|>The fox<|end|>\n<|eos|>';
    const ids = tok.encode(text);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.decode(ids, { skipSpecial: true })).toBe('The fox\n');
  });

  it('leave near-miss strings alone', () => {
    const ids = tok.encode('<|eos| <|EOS|>');
    expect(ids.some((id) => id < LAB_SPECIAL_TOKENS.length)).toBe(false);
  });
});

describe('AddedTokens.split', () => {
  it('prefers the longest match', () => {
    const added = new AddedTokens([
      { id: 0, content: '<|a|>', special: true },
      { id: 1, content: '<|a|>x', special: true },
    ]);
    expect(added.split('1<|a|>x2<|a|>')).toEqual([
      { kind: 'text', text: '1' },
      { kind: 'added', id: 1 },
      { kind: 'text', text: '2' },
      { kind: 'added', id: 0 },
    ]);
  });
});
