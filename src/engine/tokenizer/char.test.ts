import { describe, expect, it } from 'vitest';
import { CharTokenizer } from './char';
import { LAB_SPECIAL_TOKENS, UNK_TOKEN } from './special-tokens';
import { SAMPLE_CORPUS } from './test-helpers';

describe('char tokenizer', () => {
  it('has the specials at low ids, then the sorted unique code points', () => {
    const tok = CharTokenizer.train('cab😀a\u{1F600}b ');
    const n = LAB_SPECIAL_TOKENS.length + 1;
    expect(tok.vocabSize).toBe(n + 5);
    expect([tok.padId, tok.bosId, tok.eosId, tok.unkId]).toEqual([0, 1, 2, 7]);
    expect(tok.tokenText(7)).toBe(UNK_TOKEN);
    const chars = Array.from({ length: 5 }, (_, i) => tok.tokenText(n + i));
    expect(chars).toEqual([' ', 'a', 'b', 'c', '😀']);
  });

  it('round-trips its training corpus', () => {
    const tok = CharTokenizer.train(SAMPLE_CORPUS);
    const ids = tok.encode(SAMPLE_CORPUS);
    expect(ids.length).toBe([...SAMPLE_CORPUS].length);
    expect(tok.decode(ids)).toBe(SAMPLE_CORPUS);
  });

  it('maps unknown characters to <|unk|>', () => {
    const tok = CharTokenizer.train('abc');
    const ids = tok.encode('abXc');
    expect(ids[2]).toBe(tok.unkId);
    expect(tok.decode(ids)).toBe('ab<|unk|>c');
    expect(tok.decode(ids, { skipSpecial: true })).toBe('abc');
  });

  it('does not learn the characters of special-token strings in the corpus', () => {
    const tok = CharTokenizer.train('hi<|eos|>');
    expect(tok.vocabSize).toBe(LAB_SPECIAL_TOKENS.length + 1 + 2);
    expect(tok.encode('hi<|eos|>')).toEqual([8, 9, tok.eosId]);
  });
});
