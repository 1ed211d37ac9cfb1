import { describe, expect, it } from 'vitest';
import { responseCredit } from './prefixCredit';

describe('prefix credit of guided trajectories', () => {
  // 5 tokens, guidance from token 3 on; A_i = 1.2 (guided, correct), A_i^own = -0.8 (own, wrong)
  it("'guided' gives every token the guided trajectory's advantage (reference)", () => {
    expect(responseCredit(5, 3, 1.2, -0.8, 'guided')).toEqual({
      advantage: [1.2, 1.2, 1.2, 1.2, 1.2],
      inLoss: [true, true, true, true, true],
    });
  });

  it("'own' gives the student's tokens the advantage of its own response", () => {
    expect(responseCredit(5, 3, 1.2, -0.8, 'own')).toEqual({
      advantage: [-0.8, -0.8, -0.8, 1.2, 1.2],
      inLoss: [true, true, true, true, true],
    });
  });

  it("'none' leaves the student's tokens out of the loss", () => {
    expect(responseCredit(5, 3, 1.2, -0.8, 'none')).toEqual({
      advantage: [1.2, 1.2, 1.2, 1.2, 1.2],
      inLoss: [false, false, false, true, true],
    });
  });

  it('an unguided response is the same in every mode', () => {
    for (const mode of ['guided', 'own', 'none'] as const)
      expect(responseCredit(3, null, 0.5, 9, mode)).toEqual({
        advantage: [0.5, 0.5, 0.5],
        inLoss: [true, true, true],
      });
  });

  it('rejects an unknown mode with the valid names', () => {
    expect(() => responseCredit(1, null, 0, 0, 'all' as never)).toThrow(
      /Unknown prefix credit "all"; valid: guided, own, none/,
    );
  });
});
