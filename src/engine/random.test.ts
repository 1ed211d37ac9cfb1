import { describe, expect, it } from 'vitest';
import {
  createRng,
  fillNormal,
  fnv1a,
  hashParts,
  mixSeed,
  mixSeedMurmur,
  mulberry32,
  pick,
  shuffled,
} from './random';

describe('createRng', () => {
  it('is deterministic for the same seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 10 }, () => a.next());
    expect(Array.from({ length: 10 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 10 }, () => c.next())).not.toEqual(seqA);
    expect(createRng('abc').next()).toBe(createRng('abc').next());
  });

  it('next() stays in [0, 1) and int() covers its inclusive range', () => {
    const rng = createRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const k = rng.int(-2, 3);
      expect(Number.isInteger(k) && k >= -2 && k <= 3).toBe(true);
      seen.add(k);
    }
    expect([...seen].sort((p, q) => p - q)).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(() => rng.int(3, 1)).toThrow(RangeError);
  });

  it('pick, shuffle and fork', () => {
    const rng = createRng(1);
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const shuffled = rng.shuffle(items);
    expect([...shuffled].sort((p, q) => p - q)).toEqual(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8]); // input untouched
    expect(items).toContain(rng.pick(items));
    expect(() => rng.pick([])).toThrow(RangeError);
    expect(createRng(5).fork('x').next()).toBe(createRng(5).fork('x').next());
    expect(createRng(5).fork('x').next()).not.toBe(createRng(5).fork('y').next());
  });

  it('fnv1a is FNV-1a and mixSeedMurmur is order-sensitive', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(mixSeedMurmur(1, 2)).not.toBe(mixSeedMurmur(2, 1));
  });
});

/** Outputs pinned from the four wrappers (random, tasks/rng, teacher/prng, rl/rng) before the merge. */
describe('seeded streams stay bit-identical', () => {
  const take = (next: () => number, n = 4): number[] => Array.from({ length: n }, next);

  it('mulberry32, its state, fillNormal and mixSeed (engine: init, sampling, selection)', () => {
    const m = mulberry32(42);
    expect(take(() => m.next())).toEqual([
      0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693,
    ]);
    expect(m.state).toBe(3031295998);
    expect(mixSeed(1, 2, 3)).toBe(613348158);
    expect(fnv1a('thinktuning')).toBe(948294238);
    expect(Array.from(fillNormal(mulberry32(7), new Float32Array(3)))).toEqual([
      2.7593729496002197, 1.1319811344146729, -0.06805135309696198,
    ]);
    const r = mulberry32(3);
    expect(take(() => r.next())).toEqual([
      0.7202267837710679, 0.03866216051392257, 0.4561921926215291, 0.07492800964973867,
    ]);
    expect(shuffled(mulberry32(9), [1, 2, 3, 4, 5, 6])).toEqual([4, 6, 3, 1, 5, 2]);
  });

  it('createRng from a number, a string and a fork (generated tasks)', () => {
    const r = createRng(42);
    expect(take(() => r.next())).toEqual([
      0.9345327583141625, 0.7594947502948344, 0.80817985185422, 0.030959006398916245,
    ]);
    expect(r.int(1, 100)).toBe(17);
    expect(r.pick(['a', 'b', 'c', 'd'])).toBe('b');
    expect(r.shuffle([1, 2, 3, 4, 5])).toEqual([4, 3, 1, 5, 2]);
    expect(r.chance(0.5)).toBe(true);
    const s = createRng('gsm');
    expect(take(() => s.next())).toEqual([
      0.6509004703257233, 0.2723799850791693, 0.7240046525839716, 0.8320192317478359,
    ]);
    const f = createRng(5).fork('x');
    expect(take(() => f.next())).toEqual([
      0.5737224544864148, 0.20831408770754933, 0.7337266840040684, 0.24405660131014884,
    ]);
    expect(mixSeedMurmur(1, 2)).toBe(4017857470);
    expect(fnv1a('abc')).toBe(440920331);
  });

  it("hashParts and pick (the teacher's per-request choices)", () => {
    const seed = hashParts(7, 'behavior', 'item-1', 'resp');
    expect(seed).toBe(3030055929);
    const t = mulberry32(seed);
    expect(take(() => t.next())).toEqual([
      0.26832453324459493, 0.7486956038046628, 0.33955529518425465, 0.2229958379175514,
    ]);
    expect(pick(t, ['a', 'b', 'c'])).toBe('c');
    expect(() => pick(t, [])).toThrow(RangeError);
  });
});
