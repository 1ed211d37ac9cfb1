/** The benchmark's pure parts: flags, plans and the summary it prints. */
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../bench/args';
import type { PresetResult } from '../bench/core';
import { planFor } from '../bench/plan';
import { summaryRow, torchRatios } from '../bench/summary';

describe('bench flags', () => {
  it('defaults to every preset, target and part; flags narrow them', () => {
    const all = parseArgs([]);
    expect(all.presets).toEqual(['tiny', 'lab']);
    expect(all.targets).toContain('torch');
    expect(all.parts).toEqual(['sampling', 'recompute', 'train', 'step', 'scaling']);
    const a = parseArgs([
      '--presets',
      'tiny',
      '--backends',
      'wasm,torch',
      '--parts',
      'train',
      '--stock-matmul',
      '--gpu',
      '--set',
      'model.dModel=64',
      '--set',
      'model.positions="learned"',
    ]);
    expect(a).toMatchObject({
      presets: ['tiny'],
      targets: ['wasm', 'torch'],
      parts: ['train'],
      stockMatMul: true,
      gpu: true,
      sets: ['model.dModel=64', 'model.positions="learned"'],
    });
  });

  it('names a bad value and prints the usage', () => {
    expect(() => parseArgs(['--parts', 'train,warp'])).toThrow(/unknown part: warp\nusage:/);
    expect(() => parseArgs(['--backends', 'cuda'])).toThrow(/unknown backend: cuda/);
    expect(() => parseArgs(['--presets'])).toThrow(/--presets needs a value/);
  });
});

describe('bench plans', () => {
  it('drops the parts not asked for and skips lab where it takes minutes', () => {
    const p = planFor('wasm', 'tiny', false, ['train']);
    expect('skipped' in p).toBe(false);
    if ('skipped' in p) return;
    expect(p.train).not.toBeNull();
    expect([p.sampling, p.step, p.scaling]).toEqual([null, null, null]);
    expect(planFor('webgpu', 'lab', false, ['train'], true)).toMatchObject({
      skipped: expect.stringMatching(/pass --full/),
    });
    const full = planFor('webgpu', 'lab', true, ['sampling', 'recompute'], true);
    expect(full).toMatchObject({ sampling: { cachedReps: 3, recomputeReps: 3 } });
    // sampling without 'recompute': the cached half only
    expect(planFor('wasm', 'tiny', false, ['sampling'])).toMatchObject({
      sampling: { cachedReps: 3, recomputeReps: 0 },
    });
  });
});

const peak = (tf: number, rss: number | null) => ({
  tf_bytes: tf,
  rss_bytes: rss,
  wasm_heap_bytes: null,
  gpu_bytes: null,
});

const result = {
  backend: 'wasm',
  preset: 'tiny',
  sampling: {
    cached_tokens_per_s: 5000,
    recompute_tokens_per_s: 200,
    kv_speedup: 25,
    per_step: { kernels: 94, reads: 1 },
    peak: { cached: peak(2 ** 20, 3 * 2 ** 20), recompute: peak(4 * 2 ** 20, null) },
  },
  train: { train_tokens_per_s: 12000, peak: peak(2 ** 21, 2 ** 22) },
  rl_step: null,
  scaling: { growth_vs_linear: { G: 0.9, length: 1.3 } },
} as unknown as PresetResult;

describe('bench summary', () => {
  it('flattens a result into its headline figures, peaks in MiB over all parts', () => {
    expect(summaryRow('node', result)).toEqual({
      where: 'node',
      backend: 'wasm',
      preset: 'tiny',
      rollout_tokens_per_s: 5000,
      recompute_tokens_per_s: 200,
      kv_speedup_256: 25,
      train_tokens_per_s: 12000,
      rl_step_s: null,
      update_growth_vs_linear: { G: 0.9, length: 1.3 },
      kernels_per_step: 94,
      reads_per_step: 1,
      dispatches_per_step: null,
      gpu_readbacks_per_step: null,
      peak_tf_mib: 4,
      peak_rss_mib: 4,
      wasm_heap_mib: null,
      gpu_mib: null,
    });
  });

  it('divides PyTorch train tokens/s by the Node wasm figure of the same preset', () => {
    const rows = [summaryRow('node', result), summaryRow('chromium', result)];
    const torch = {
      available: true,
      python: 'python3',
      errors: [],
      runs: [
        { preset: 'tiny' as const, threads: 2, train_tokens_per_s: 36000 },
        { preset: 'lab' as const, threads: 2, train_tokens_per_s: 5000 },
      ],
    };
    expect(torchRatios(rows, torch)).toEqual([
      {
        preset: 'tiny',
        wasm_train_tokens_per_s: 12000,
        torch_threads: 2,
        torch_train_tokens_per_s: 36000,
        torch_over_wasm: 3,
      },
    ]);
    expect(torchRatios(rows, { ...torch, available: false })).toEqual([]);
  });
});
