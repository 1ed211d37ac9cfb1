import { describe, expect, it } from 'vitest';
import {
  chatStopIds,
  encodeChatExample,
  encodePrompt,
  formatChat,
  formatCompletion,
  specialTokenId,
} from './chat';
import { trainTokenizer } from './index';
import { SAMPLE_CORPUS } from './test-helpers';
import type { ChatMessage } from './types';

const messages: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'What is 7 * 6?' },
];

describe('chat format', () => {
  it('renders bos, role markers, ends and the generation prompt', () => {
    expect(formatChat(messages, { addGenerationPrompt: true })).toBe(
      '<|bos|><|system|>Be brief.<|end|>\n<|user|>What is 7 * 6?<|end|>\n<|assistant|>',
    );
    expect(formatChat(messages, { addGenerationPrompt: false })).toBe(
      '<|bos|><|system|>Be brief.<|end|>\n<|user|>What is 7 * 6?<|end|>\n',
    );
    expect(formatCompletion('42')).toBe('42<|eos|>');
  });

  describe.each(['char', 'bpe'] as const)('%s tokenizer', (kind) => {
    const tok = trainTokenizer(kind, SAMPLE_CORPUS, { vocabSize: 400 });

    it('encodes the prompt with the right special ids', () => {
      const ids = encodePrompt(tok, messages);
      const nl = tok.encode('\n');
      expect(ids).toEqual([
        1,
        3,
        ...tok.encode('Be brief.'),
        6,
        ...nl,
        4,
        ...tok.encode('What is 7 * 6?'),
        6,
        ...nl,
        5,
      ]);
      expect(ids[0]).toBe(tok.bosId);
      expect(ids[ids.length - 1]).toBe(specialTokenId(tok, '<|assistant|>'));
    });

    it('ends training completions with EOS', () => {
      const { promptIds, completionIds } = encodeChatExample(tok, messages, 'The answer is 42.');
      expect(promptIds).toEqual(encodePrompt(tok, messages));
      expect(completionIds[completionIds.length - 1]).toBe(tok.eosId);
      expect(tok.decode(completionIds, { skipSpecial: true })).toBe('The answer is 42.');
      expect(chatStopIds(tok)).toEqual([2, 6]);
    });
  });

  it('specialTokenId rejects text that is not one token', () => {
    const tok = trainTokenizer('char', 'abc');
    expect(() => specialTokenId(tok, 'ab')).toThrow(/not a single token/);
  });
});
