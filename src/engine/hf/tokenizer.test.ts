import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sourceFromDir } from '../../cli/hfDir';
import { promptIds, sftExample } from '../sft/examples';
import { encodePrompt } from '../tokenizer';
import { loadHfTokenizer } from './load';
import { HfTokenizer } from './tokenizer';

/**
 * Token ids against the fixture script's own byte-level BPE (plain Python, written from the
 * algorithm, not the tokenizers library): Llama-3 digit groups and ignore_merges, Qwen2 single
 * digits and NFC, added tokens; and the chat templates against hand-written renderings.
 */

interface Expected {
  tokenizer_size: number;
  encodings: Array<{ text: string; ids: number[] }>;
  chat: {
    messages: Array<{ role: 'user'; content: string }>;
    prompt_text: string;
    prompt_ids: number[];
  };
}

const dir = (name: string) => `test/fixtures/hf/${name}`;
const expectedOf = (name: string) =>
  JSON.parse(readFileSync(`${dir(name)}/expected.json`, 'utf8')) as Expected;

describe.each(['tiny-llama', 'tiny-qwen2'])('%s tokenizer', (name) => {
  const ex = expectedOf(name);

  it('encodes every test string to the reference ids and decodes back', async () => {
    const tok = await loadHfTokenizer(sourceFromDir(dir(name)));
    expect(tok.kind).toBe('hf');
    expect(tok.vocabSize).toBe(ex.tokenizer_size);
    for (const e of ex.encodings) {
      expect(tok.encode(e.text), JSON.stringify(e.text)).toEqual(e.ids);
      // NFC (Qwen2) normalises the decomposed string, so compare its normal form
      const normalised = name === 'tiny-qwen2' ? e.text.normalize('NFC') : e.text;
      expect(tok.decode(e.ids)).toBe(normalised);
    }
  });

  it('renders the chat template as transformers would, and prompts use it', async () => {
    const tok = await loadHfTokenizer(sourceFromDir(dir(name)));
    expect(tok.applyChatTemplate(ex.chat.messages, { addGenerationPrompt: true })).toBe(
      ex.chat.prompt_text,
    );
    expect(encodePrompt(tok, ex.chat.messages)).toEqual(ex.chat.prompt_ids);
    const item = {
      id: 'q1',
      prompt: ex.chat.messages[0].content,
      answer: '8',
      source: 'generated',
    };
    expect(promptIds(tok, item as never, '')).toEqual(ex.chat.prompt_ids);
    // SFT targets end with the model's EOS id, not the lab's "<|eos|>" text
    const { completion } = sftExample(tok, item as never, '');
    expect(completion[completion.length - 1]).toBe(tok.eosId);
    expect(tok.decode(completion, { skipSpecial: true })).toBe('The answer is \\boxed{8}.');
  });
});

describe('special tokens and token texts', () => {
  it('reads eos/pad/bos from tokenizer_config.json, with generation_config fallbacks', () => {
    const qwen = JSON.parse(readFileSync(`${dir('tiny-qwen2')}/tokenizer.json`, 'utf8'));
    const cfg = JSON.parse(readFileSync(`${dir('tiny-qwen2')}/tokenizer_config.json`, 'utf8'));
    const tok = new HfTokenizer({ tokenizerJson: qwen, tokenizerConfig: cfg });
    expect(tok.tokenText(tok.eosId)).toBe('<|im_end|>');
    expect(tok.tokenText(tok.padId)).toBe('<|endoftext|>');
    expect(tok.bosId).toBe(-1); // Qwen2 has no BOS
    // eos from generation_config.json when tokenizer_config.json names none
    const noEos = new HfTokenizer({
      tokenizerJson: qwen,
      tokenizerConfig: { ...cfg, eos_token: null, pad_token: null },
      generationConfig: { eos_token_id: [328, 326] },
    });
    expect(noEos.eosId).toBe(328);
    expect(noEos.padId).toBe(328); // pad falls back to eos
    expect(
      () => new HfTokenizer({ tokenizerJson: qwen, tokenizerConfig: { ...cfg, eos_token: null } }),
    ).toThrow(/No end-of-sequence token.*eos_token/);
  });

  it('shows partial UTF-8 bytes as <0xNN> and ids beyond the tokenizer as placeholders', async () => {
    const tok = await loadHfTokenizer(sourceFromDir(dir('tiny-qwen2')));
    const ids = tok.encode('é');
    expect(ids.map((id) => tok.tokenText(id))).toEqual(['<0xC3>', '<0xA9>']);
    expect(tok.tokenText(tok.encode('T')[0])).toBe('T');
    expect(tok.tokenText(340)).toBe('<|id 340|>'); // model vocab 352 > tokenizer 329
    expect(tok.decode([...tok.encode('hi'), 340])).toBe('hi');
  });

  it('a broken tokenizer.json or template is reported by name', () => {
    expect(() => new HfTokenizer({ tokenizerJson: { nope: 1 } })).toThrow(/tokenizer\.json/);
    const qwen = JSON.parse(readFileSync(`${dir('tiny-qwen2')}/tokenizer.json`, 'utf8'));
    expect(
      () =>
        new HfTokenizer({
          tokenizerJson: qwen,
          tokenizerConfig: { eos_token: '<|im_end|>', chat_template: '{% for m in messages %}' },
        }),
    ).toThrow(/chat template/);
  });
});
