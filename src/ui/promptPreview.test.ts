import { describe, expect, it } from 'vitest';
import { previewOf } from './promptPreview';

describe('previewOf', () => {
  it('drops the prefix and suffix every prompt shares', () => {
    const p = previewOf([
      'system\nBe nice.\nuser\nAva has 3 apples. Think step by step.\nassistant\n',
      'system\nBe nice.\nuser\nBen has 4 pears. Think step by step.\nassistant\n',
    ]);
    expect(p('system\nBe nice.\nuser\nAva has 3 apples. Think step by step.\nassistant\n')).toBe(
      'Ava has 3 apples.',
    );
  });

  it('one prompt, or identical prompts, show whole', () => {
    expect(previewOf(['a  b'])('a  b')).toBe('a b');
    expect(previewOf(['same', 'same'])('same')).toBe('same');
  });
});
