/**
 * Seeded pseudo-random numbers shared by the engine (model init, sampling noise, selection).
 * mulberry32: a 32-bit state generator; fast, deterministic on every platform.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
}

/** A generator whose whole state is one 32-bit integer: save `state`, set it back, same stream. */
export interface StatefulRng extends Rng {
  state: number;
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

/** Mixes several integers into one 32-bit seed (for per-step / per-stream seeds). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
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
