import { describe, expect, it } from 'vitest';
import { describeBackendFailure, looksOutOfMemory, updateMemoryBudget } from './outOfMemory';

const ctx = { backend: 'wasm', miniBatches: 4, maxNewTokens: 256, liveBytes: 4070 * 2 ** 20 };

describe('out-of-memory failures get a message that names the fixes', () => {
  it('reads the WASM heap running out from what tfjs-wasm and emscripten throw', () => {
    for (const m of [
      'memory access out of bounds',
      'Aborted(OOM). Build with -sASSERTIONS for more info.',
      'Cannot enlarge memory arrays to size 4294967296 bytes (OOM).',
      'Array buffer allocation failed',
    ])
      expect(looksOutOfMemory(m, 'wasm'), m).toBe(true);
    expect(looksOutOfMemory('Sequence of 600 tokens exceeds the model context', 'wasm')).toBe(
      false,
    );
    // the same words on cpu are not the wasm heap
    expect(looksOutOfMemory('memory access out of bounds', 'cpu')).toBe(false);
  });

  it('says the WASM heap is full, how full, and which settings shrink a step', () => {
    const m = describeBackendFailure(new Error('memory access out of bounds'), ctx);
    expect(m).toMatch(/^The WASM heap is full \(memory access out of bounds; 4070 MiB of tensors/);
    expect(m).toMatch(/raise rl\.gradAccum \(now 1; try 2\).*rl\.miniBatches, now 4/);
    expect(m).toMatch(/lower rl\.maxNewTokens \(now 256\)/);
    expect(m).toMatch(/WebGPU/);
    expect(m).toMatch(/reload the page/);
  });

  it('names GPU memory on WebGPU, and passes every other error through unchanged', () => {
    const gpu = describeBackendFailure(new Error('GPUOutOfMemoryError: buffer too large'), {
      ...ctx,
      backend: 'webgpu',
      gradAccum: 4,
    });
    expect(gpu).toMatch(/^The GPU ran out of memory .*raise rl\.gradAccum \(now 4; try 8\)/);
    const other = new Error('The teacher at http://x returned 401: check the API key.');
    expect(describeBackendFailure(other, ctx)).toBe(other.message);
    expect(describeBackendFailure('plain string', ctx)).toBe('plain string');
  });
});

describe('updateMemoryBudget', () => {
  const GiB = 2 ** 30;
  it('on WASM half of what the 4 GiB heap has left, at least 256 MiB; no bound on a GPU', () => {
    expect(updateMemoryBudget('wasm', 1 * GiB)).toBe(1.5 * GiB);
    expect(updateMemoryBudget('wasm', 3.9 * GiB)).toBe(256 * 2 ** 20);
    expect(updateMemoryBudget('webgpu', 1 * GiB)).toBeNull();
    expect(updateMemoryBudget('cpu', 0)).toBeNull();
  });
});
