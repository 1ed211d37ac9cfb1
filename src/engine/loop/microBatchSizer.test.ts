import { describe, expect, it } from 'vitest';
import { evenRows, MicroBatchSizer } from './microBatchSizer';

const MiB = 2 ** 20;

describe('MicroBatchSizer', () => {
  it('asks for a probe until it has one', () => {
    const s = new MicroBatchSizer();
    expect(s.bytesPerRow(100)).toBeNull();
    expect(s.rowsFor(100, 40, 2048 * MiB)).toBeNull();
  });

  it('scales the probe by (T / T0)^2 above its length and by T / T0 below it', () => {
    const s = new MicroBatchSizer();
    s.record(200 * MiB, 300);
    expect(s.bytesPerRow(300)).toBe(200 * MiB);
    expect(s.bytesPerRow(600)).toBe(800 * MiB); // 200 x 2^2
    expect(s.bytesPerRow(150)).toBe(100 * MiB); // 200 x 1/2
  });

  it('rows that fit the budget, at least 1, at most the cap', () => {
    const s = new MicroBatchSizer();
    s.record(212 * MiB, 360); // lab on WASM: one row of 360 tokens
    expect(s.rowsFor(360, 40, 2048 * MiB)).toBe(9); // floor(2048 / 212)
    expect(s.rowsFor(360, 5, 2048 * MiB)).toBe(5); // rl.gradAccum's cap
    expect(s.rowsFor(720, 40, 2048 * MiB)).toBe(2); // floor(2048 / 848)
    expect(s.rowsFor(360, 40, 100 * MiB)).toBe(1); // not even one fits: one at a time
  });
});

describe('evenRows', () => {
  it('splits into as few parts as the cap allows, as evenly as they go', () => {
    expect(evenRows(39, 9)).toBe(8); // 5 parts: 8, 8, 8, 8, 7
    expect(evenRows(40, 10)).toBe(10);
    expect(evenRows(41, 10)).toBe(9); // 5 parts: 9, 9, 9, 9, 5
    expect(evenRows(4, 100)).toBe(4);
    expect(evenRows(0, 10)).toBe(1);
  });
});
