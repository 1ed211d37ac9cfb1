import { describe, expect, it } from 'vitest';
import { catchphraseCount, hasReflection, reflectionIndex } from './reflection';

describe('hasReflection', () => {
  it('needs a self-check marker followed by a boxed answer', () => {
    expect(hasReflection('27 - 5 = 22. Wait, let me recheck: 27 - 5 = 22. \\boxed{22}')).toBe(true);
    expect(hasReflection('x = 4. Let me check: 2 + 2 = 4. The answer is \\boxed{4}.')).toBe(true);
    expect(hasReflection('I double-check the sum. \\boxed{7}')).toBe(true);
    expect(hasReflection('To verify, 3 * 4 = 12. \\boxed{12}')).toBe(true);
  });

  it('is false without a marker, or when the only boxed answer comes before it', () => {
    expect(hasReflection('14 + 7 = 21. The answer is \\boxed{21}.')).toBe(false);
    expect(hasReflection('\\boxed{21}. Wait, is that right?')).toBe(false);
    expect(hasReflection('Wait, let me recheck.')).toBe(false);
  });

  it('ignores "wait" as a plain verb', () => {
    expect(hasReflection('You wait 5 minutes, so 10 + 5 = 15. \\boxed{15}')).toBe(false);
    expect(reflectionIndex('you wait 5 minutes')).toBe(-1);
  });

  it('finds the earliest marker', () => {
    expect(reflectionIndex('ok. Let me verify. Wait, no.')).toBe(4);
  });
});

describe('catchphraseCount', () => {
  it('counts non-overlapping occurrences, case-insensitive by default', () => {
    expect(
      catchphraseCount('Thalapathy Vijay says hi, thalapathy vijay!', 'Thalapathy Vijay'),
    ).toBe(2);
    expect(catchphraseCount('thalapathy vijay', 'Thalapathy Vijay', true)).toBe(0);
    expect(catchphraseCount('anything', '')).toBe(0);
  });
});
