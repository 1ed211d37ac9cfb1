import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter, wasmThreadsFor, wasmThreadsParam } from './backend';

describe('wasm threads for a core count', () => {
  it('uses both cores of a 2-core machine, half of more, at most 8', () => {
    expect([0, 1, 2, 3, 4, 8, 12, 16, 64].map(wasmThreadsFor)).toEqual([1, 1, 2, 2, 2, 4, 6, 8, 8]);
    expect(wasmThreadsFor(NaN)).toBe(1);
  });

  it('still tells software adapters apart', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere' })).toBe(false);
  });
});

describe('?wasmThreads=N', () => {
  it('takes a whole number from 1 to 8; ignores anything else with the reason', () => {
    expect(wasmThreadsParam(null)).toEqual({ threads: null, problem: null });
    expect(wasmThreadsParam('')).toEqual({ threads: null, problem: null });
    expect(wasmThreadsParam('1')).toEqual({ threads: 1 });
    expect(wasmThreadsParam('8')).toEqual({ threads: 8 });
    for (const bad of ['0', '9', '2.5', 'two', '-1'])
      expect(wasmThreadsParam(bad)).toEqual({
        threads: null,
        problem: `?wasmThreads=${bad} ignored: use a whole number from 1 to 8`,
      });
  });
});
