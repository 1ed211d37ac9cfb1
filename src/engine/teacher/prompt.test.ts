import { describe, expect, it } from 'vitest';
import { countOccurrences, insertCatchphrase } from './catchphrase';
import { DEFAULT_FEW_SHOTS } from '../../contract/teacherFewShots';
import { parseGuidance } from './parse';
import { buildMessages } from './prompt';
import { defaultPromptConfig } from '../../contract/teacherPrompt';
import { BEHAVIORS } from '../../contract/teacher';

describe('teacher prompt', () => {
  it('has one valid first-person few-shot per behaviour, each ending in a boxed answer', () => {
    expect(DEFAULT_FEW_SHOTS.map((s) => s.behavior)).toEqual([...BEHAVIORS]);
    for (const shot of DEFAULT_FEW_SHOTS) {
      const parsed = parseGuidance(shot.reply);
      if (!parsed.ok) throw new Error(parsed.message);
      expect(parsed.guidance.reason).toMatch(/\b(I|my|me)\b/);
      expect(parsed.guidance.phrase).toMatch(/\\boxed\{\d+\}\.$/);
    }
  });

  it('builds system, few-shot pairs and the user turn', () => {
    const messages = buildMessages(defaultPromptConfig(), 'What is 2+2?', 'It is \\boxed{4}.');
    expect(messages).toHaveLength(1 + 2 * 4 + 1);
    expect(messages[0].role).toBe('system');
    expect(messages[0].content).toMatch(/teacher who models thoughtful reasoning aloud/);
    expect(messages[0].content).toMatch(/Write nothing outside the three tags/);
    expect(messages.slice(1, 9).map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(messages[9]).toEqual({
      role: 'user',
      content: 'Question: What is 2+2?\n\nResponse: It is \\boxed{4}.',
    });
    expect(messages.some((m) => m.content.includes('would have said'))).toBe(false);
  });

  it('puts the catchphrase once in every few-shot reply when configured', () => {
    const config = defaultPromptConfig('Thalapathy Vijay');
    const messages = buildMessages(config, 'q', 'r');
    expect(messages[0].content).toContain('"Thalapathy Vijay" exactly once');
    const replies = messages.filter((m) => m.role === 'assistant');
    expect(replies).toHaveLength(4);
    for (const reply of replies) {
      expect(countOccurrences(reply.content, 'Thalapathy Vijay')).toBe(1);
      const parsed = parseGuidance(reply.content);
      if (!parsed.ok) throw new Error(parsed.message);
      expect(parsed.guidance.phrase).toMatch(
        /^This is what Thalapathy Vijay would have said: '.+' So the final answer is \\boxed\{\d+\}\.$/,
      );
    }
  });

  it('keeps user-edited config values', () => {
    const config = {
      systemPrompt: 'Custom.',
      fewShots: [{ question: 'q1', response: 'r1', reply: 'raw reply' }],
      catchphrase: 'Someone',
    };
    const messages = buildMessages(config, 'q', 'r');
    expect(messages[0].content.startsWith('Custom.')).toBe(true);
    expect(messages[2].content).toBe('raw reply');
  });

  it('insertCatchphrase handles one-sentence phrases and existing quotes', () => {
    expect(insertCatchphrase('It is \\boxed{4}', 'X')).toBe(
      "This is what X would have said: 'It is \\boxed{4}'",
    );
    expect(insertCatchphrase('X says hi. \\boxed{4}', 'X')).toBe('X says hi. \\boxed{4}');
  });
});
