import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter, wasmThreadsFor } from './backend';

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
