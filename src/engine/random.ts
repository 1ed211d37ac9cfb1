/**
 * The engine's one seeded random-number module: every seeded stream (model init, sampling noise,
 * teacher choices, generated tasks, selection) draws from mulberry32 here, seeded by one of the
 * hashes and mixers below. Each mixer is kept with its exact outputs: changing one would change
 * generated task sets, teacher wordings and shipped students' evaluation figures.
 */

/** A seeded stream of uniform floats. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
}

/** A generator whose whole state is one 32-bit integer: save `state`, set it back, same stream. */
export interface StatefulRng extends Rng {
  state: number;
}

/** A seeded stream with the draws the task generators use. */
export interface SeededRng extends Rng {
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy of the array (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** True with probability p. */
  chance(p: number): boolean;
  /** An independent stream derived from this one's seed and a label. */
  fork(label: string | number): SeededRng;
}

/** mulberry32(seed): t += 0x6D2B79F5; mix; return t / 2^32. */
export function mulberry32(seed: number): StatefulRng {
  let t = seed >>> 0;
  return {
    next(): number {
      t = (t + 0x6d2b79f5) >>> 0;
      let r = Math.imul(t ^ (t >>> 15), 1 | t);
      r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
      return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    },
    get state(): number {
      return t;
    },
    set state(s: number) {
      t = s >>> 0;
    },
  };
}

/** FNV-1a 32-bit hash over UTF-16 code units: h = (h ^ unit) * 16777619. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a of the parts joined with a NUL separator (the teacher's per-request seeds). */
export function hashParts(...parts: Array<string | number>): number {
  return fnv1a(parts.join('\u0000'));
}

/** Mixes several integers into one 32-bit seed (per-step / per-stream seeds of the engine). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
  }
  return h >>> 0;
}

/**
 * Mixes several integers into one 32-bit seed with a murmur3 finalizer after each part (the
 * task generators' seeds; a different mixer from `mixSeed`, kept for their exact task sets).
 */
export function mixSeedMurmur(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Standard normal samples via Box-Muller: z = sqrt(-2 ln u1) cos(2 pi u2). */
export function fillNormal(rng: Rng, out: Float32Array, std = 1): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u1 = Math.max(rng.next(), 1e-12);
    const u2 = rng.next();
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Uniform integer in [lo, hi], both inclusive: lo + floor(u * (hi - lo + 1)). */
export function randomInt(rng: Rng, lo: number, hi: number): number {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) {
    throw new RangeError(`rng.int: invalid range [${lo}, ${hi}]`);
  }
  return lo + Math.floor(rng.next() * (Math.floor(hi) - Math.ceil(lo) + 1));
}

/** One element of a non-empty array, uniformly: items[floor(u * n)]. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('rng.pick: empty array');
  return items[Math.min(items.length - 1, Math.floor(rng.next() * items.length))];
}

/** Fisher-Yates shuffle of a copy of `items`: for i from n-1 down, swap i with floor(u * (i+1)). */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}

/**
 * A mulberry32 stream with the task generators' draws, from a number seed (through
 * `mixSeedMurmur`) or a string seed (through `fnv1a`).
 */
export function createRng(seed: number | string): SeededRng {
  const seed32 = typeof seed === 'string' ? fnv1a(seed) : mixSeedMurmur(Math.floor(seed));
  const stream = mulberry32(seed32);
  const rng: SeededRng = {
    next: () => stream.next(),
    int: (lo, hi) => randomInt(stream, lo, hi),
    pick: (items) => pick(stream, items),
    shuffle: (items) => shuffled(stream, items),
    chance: (p) => stream.next() < p,
    fork(label: string | number): SeededRng {
      const l = typeof label === 'string' ? fnv1a(label) : label;
      return createRng(mixSeedMurmur(seed32, l));
    },
  };
  return rng;
}
