/** Small seeded random numbers for the teacher, on the engine's shared generator and hash. */
import { fnv1a, mulberry32 as engineMulberry32 } from '../random';

/** A 32-bit FNV-1a hash of the given parts (joined with a NUL separator). */
export function hashString(...parts: Array<string | number>): number {
  return fnv1a(parts.join('\u0000'));
}

/** A deterministic generator of floats in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  const rng = engineMulberry32(seed);
  return () => rng.next();
}

/** Picks one element uniformly with the given generator. */
export function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.min(items.length - 1, Math.floor(rng() * items.length))];
}
