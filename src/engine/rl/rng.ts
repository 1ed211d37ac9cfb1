/**
 * The minimal random-number interface the RL math takes as a parameter, so that every random
 * choice (teacher selection) is reproducible from a seed and testable.
 */

/** A source of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
}

/**
 * Seeded generator (mulberry32: 32-bit state, period 2^32). Good enough for shuffles and
 * selection; not for cryptography.
 */
export function createSeededRng(seed: number): Rng {
  let state = seed >>> 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Fisher-Yates shuffle of a copy of `items` driven by `rng`. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}
