import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe';
import { CharTokenizer } from './char';
import {
  detectTokenizerKind,
  tokenizerFromJSON,
  tokenizerToJSONString,
  trainTokenizer,
  TokenizerJsonError,
} from './index';
import { randomUnicodeString, SAMPLE_CORPUS, seededRandom } from './test-helpers';
import type { HFTokenizerJson } from './types';

const PROBES = [
  SAMPLE_CORPUS,
  '<|bos|><|user|>hi 😀<|end|>\n<|assistant|>42<|eos|>',
  'unseen: ZQX 👨‍👩‍👧 \u0000\t\n',
  randomUnicodeString(seededRandom(1), 200),
];

describe.each(['char', 'bpe'] as const)('tokenizer.json round trip (%s)', (kind) => {
  const tok = trainTokenizer(kind, SAMPLE_CORPUS, { vocabSize: 400 });
  const text = tokenizerToJSONString(tok);
  const loaded = tokenizerFromJSON(text);

  it('loads back as the same kind with the same vocab size and specials', () => {
    expect(loaded.kind).toBe(kind);
    expect(detectTokenizerKind(text)).toBe(kind);
    expect(loaded.vocabSize).toBe(tok.vocabSize);
    expect([loaded.bosId, loaded.eosId, loaded.padId]).toEqual([tok.bosId, tok.eosId, tok.padId]);
  });

  it('encodes and decodes identically', () => {
    for (const probe of PROBES) {
      expect(loaded.encode(probe)).toEqual(tok.encode(probe));
      const ids = tok.encode(probe);
      expect(loaded.decode(ids)).toBe(tok.decode(ids));
    }
    for (let id = 0; id < tok.vocabSize; id++) expect(loaded.tokenText(id)).toBe(tok.tokenText(id));
  });

  it('saves identical JSON again, and loads from an object too', () => {
    expect(tokenizerToJSONString(loaded)).toBe(text);
    const fromObject = tokenizerFromJSON(JSON.parse(text) as HFTokenizerJson);
    expect(tokenizerToJSONString(fromObject)).toBe(text);
  });

  it('has the Hugging Face tokenizer.json shape', () => {
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      [
        'version',
        'truncation',
        'padding',
        'added_tokens',
        'normalizer',
        'pre_tokenizer',
        'post_processor',
        'decoder',
        'model',
      ].sort(),
    );
    const hf = json as unknown as HFTokenizerJson;
    expect(hf.version).toBe('1.0');
    expect(Object.keys(hf.model).sort()).toEqual(
      [
        'type',
        'dropout',
        'unk_token',
        'continuing_subword_prefix',
        'end_of_word_suffix',
        'fuse_unk',
        'byte_fallback',
        'vocab',
        'merges',
      ].sort(),
    );
    expect(hf.model.type).toBe('BPE');
    expect(hf.added_tokens[0]).toEqual({
      id: 0,
      content: '<|pad|>',
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
    for (const t of hf.added_tokens) expect(hf.model.vocab[t.content]).toBe(t.id);
    const ids = Object.values(hf.model.vocab).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: tok.vocabSize }, (_, i) => i));
    for (const m of hf.model.merges) {
      expect(typeof m).toBe('string');
      expect((m as string).split(' ')).toHaveLength(2);
    }
  });
});

describe('tokenizer.json specifics', () => {
  it('bpe: ByteLevel pre_tokenizer/decoder, string merges, GPT-2 byte symbols', () => {
    const tok = trainTokenizer('bpe', SAMPLE_CORPUS, { vocabSize: 400 });
    const json = tok.toJSON();
    expect(json.pre_tokenizer).toEqual({
      type: 'ByteLevel',
      add_prefix_space: false,
      trim_offsets: true,
      use_regex: true,
    });
    expect(json.decoder).toMatchObject({ type: 'ByteLevel' });
    expect(json.model.merges.length).toBeGreaterThan(0);
    expect(json.model.merges).toContain('Ġ t'); // " t" is an early merge in English
    expect(json.model.vocab['Ġ']).toBe(7 + 0x20);
    expect(json.model.vocab['Ċ']).toBe(7 + 0x0a);
    expect(json.model.vocab['Ā']).toBe(7 + 0x00);
  });

  it('char: empty merges, chars as vocab, unk token, no pre_tokenizer', () => {
    const tok = trainTokenizer('char', 'ab c');
    const json = tok.toJSON();
    expect(json.pre_tokenizer).toBeNull();
    expect(json.model.merges).toEqual([]);
    expect(json.model.unk_token).toBe('<|unk|>');
    expect(json.model.vocab).toMatchObject({ ' ': 8, a: 9, b: 10, c: 11, '<|unk|>': 7 });
  });

  it('bpe: accepts merges as [a, b] pairs', () => {
    const tok = trainTokenizer('bpe', SAMPLE_CORPUS, { vocabSize: 350 });
    const json = tok.toJSON();
    const pairs = (json.model.merges as string[]).map((m) => m.split(' ') as [string, string]);
    const loaded = tokenizerFromJSON({ ...json, model: { ...json.model, merges: pairs } });
    expect(loaded.encode(SAMPLE_CORPUS)).toEqual(tok.encode(SAMPLE_CORPUS));
    expect(tokenizerToJSONString(loaded)).toBe(tokenizerToJSONString(tok));
  });

  it('bpe: two merges spelling the same token share its id', () => {
    const base = BpeTokenizer.train('', { vocabSize: 263 }).toJSON();
    const vocab = { ...base.model.vocab, bc: 263, abc: 264, ab: 265 };
    const json: HFTokenizerJson = {
      ...base,
      model: { ...base.model, vocab, merges: ['b c', 'a bc', 'a b', 'ab c'] },
    };
    const tok = tokenizerFromJSON(json);
    expect(tok.encode('abc')).toEqual([264]);
    expect(tok.encode('abd')).toEqual([265, 7 + 0x64]);
  });
});

describe('malformed tokenizer.json', () => {
  const good = (): HFTokenizerJson =>
    trainTokenizer('bpe', SAMPLE_CORPUS, { vocabSize: 300 }).toJSON();
  const expectError = (input: unknown, pattern: RegExp): void => {
    let error: unknown;
    try {
      tokenizerFromJSON(input as HFTokenizerJson);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenizerJsonError);
    expect((error as Error).message).toMatch(pattern);
  };

  it('names what is wrong', () => {
    expectError('{"model":', /not valid JSON/);
    expectError('[]', /expected an object, got an array/);
    expectError({}, /"model" must be an object/);
    const g = good();
    expectError(
      { ...g, model: { ...g.model, type: 'WordPiece' } },
      /"model.type" must be "BPE".*WordPiece/,
    );
    expectError({ ...g, model: { ...g.model, vocab: [] } }, /"model.vocab" must be an object/);
    expectError(
      { ...g, model: { ...g.model, vocab: { ...g.model.vocab, x: -1 } } },
      /"model.vocab" entry "x"/,
    );
    expectError({ ...g, model: { ...g.model, merges: 'a b' } }, /"model.merges" must be an array/);
    expectError(
      { ...g, model: { ...g.model, merges: ['Ġt'] } },
      /"model.merges\[0\]" must be two tokens/,
    );
    expectError(
      { ...g, model: { ...g.model, merges: [42] } },
      /"model.merges\[0\]" must be a string/,
    );
    expectError(
      { ...g, model: { ...g.model, merges: ['x yz'] } },
      /"model.merges\[0\]" \("x yz"\) uses "yz", which is not in "model.vocab"/,
    );
    expectError(
      { ...g, added_tokens: g.added_tokens.slice(1) },
      /missing the special token <\|pad\|>/,
    );
    expectError({ ...g, added_tokens: [{ id: 'a', content: 'x' }] }, /"added_tokens\[0\].id"/);
    const { Ā: _dropped, ...noZeroByte } = g.model.vocab;
    expectError(
      { ...g, model: { ...g.model, vocab: noZeroByte } },
      /ids must be contiguous from 0, but no token has id 7/,
    );
    const vocabShifted = { ...noZeroByte, Ā: g.model.vocab['Ġ'] };
    expectError({ ...g, model: { ...g.model, vocab: vocabShifted } }, /id 39 is used by both/);
  });

  it('char: rejects merges and multi-character tokens', () => {
    const c = trainTokenizer('char', 'abc').toJSON();
    expectError(
      { ...c, model: { ...c.model, merges: ['a b'] } },
      /must be empty for a char tokenizer/,
    );
    expectError(
      { ...c, model: { ...c.model, vocab: { ...c.model.vocab, ab: 11 } } },
      /"ab" \(id 11\) is not a single character/,
    );
    expect(CharTokenizer.fromJSON(c).vocabSize).toBe(11);
  });
});
