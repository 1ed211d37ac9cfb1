/**
 * Small seeded pseudo-random number generator (mulberry32) plus string hashing.
 * Deterministic across platforms: the same seed always gives the same sequence.
 */
import { fnv1a, mulberry32 } from '../random';

/** A seeded random stream. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy of the array (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** True with probability p. */
  chance(p: number): boolean;
  /** An independent stream derived from this one's seed and a label. */
  fork(label: string | number): Rng;
}

/** FNV-1a 32-bit hash of a string (the engine's shared hash). */
export const hashString = fnv1a;

/** Combine several integers into one 32-bit seed (murmur3-style finalizer after each mix). */
export function mixSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Create a mulberry32 stream from a number or a string seed. */
export function createRng(seed: number | string): Rng {
  const seed32 = typeof seed === 'string' ? hashString(seed) : mixSeeds(Math.floor(seed));
  const stream = mulberry32(seed32); // the engine's shared generator
  const next = (): number => stream.next();
  const int = (lo: number, hi: number): number => {
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) {
      throw new RangeError(`rng.int: invalid range [${lo}, ${hi}]`);
    }
    return lo + Math.floor(next() * (Math.floor(hi) - Math.ceil(lo) + 1));
  };
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('rng.pick: empty array');
      return items[Math.floor(next() * items.length)];
    },
    shuffle<T>(items: readonly T[]): T[] {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
    chance(p: number): boolean {
      return next() < p;
    },
    fork(label: string | number): Rng {
      const l = typeof label === 'string' ? hashString(label) : label;
      return createRng(mixSeeds(seed32, l));
    },
  };
}
