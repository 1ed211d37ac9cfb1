/**
 * The minimal random-number interface the RL math takes as a parameter, so that every random
 * choice (teacher selection) is reproducible from a seed and testable.
 */

import type { Rng } from '../random';

export type { Rng } from '../random';
/** Seeded generator (mulberry32, shared with the rest of the engine). */
export { mulberry32 as createSeededRng } from '../random';

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
