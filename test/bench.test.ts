/** The benchmark's pure parts: flags, plans and the summary it prints. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../bench/args';
import type { PresetResult } from '../bench/core';
import { planFor, REDUCED_NEW_TOKENS } from '../bench/plan';
import { installNodeWebGPU } from '../bench/nodeWebgpu';
import { mimeType, resolveSitePath, serveSite } from '../bench/staticSite';
import { summaryRow, torchEqualThreads, torchRatios } from '../bench/summary';

describe('bench flags', () => {
  it('defaults to every preset, target and part; flags narrow them', () => {
    const all = parseArgs([]);
    expect(all.presets).toEqual(['tiny', 'lab', 'smollm2-135m', 'qwen2.5-0.5b']);
    expect(all.presetsNamed).toBe(false);
    expect(parseArgs(['--presets', 'qwen2.5-0.5b']).presetsNamed).toBe(true);
    expect(all.targets).toContain('torch');
    // Node WebGPU needs the optional Dawn bindings: asked for by name, never by default.
    expect(all.targets).not.toContain('webgpu');
    expect(parseArgs(['--backends', 'webgpu,wasm']).targets).toEqual(['webgpu', 'wasm']);
    expect(all.parts).toEqual([
      'sampling',
      'recompute',
      'train',
      'step',
      'scaling',
      'sft',
      'import',
    ]);
    // the lab page's own timing, no URL parameters (bench/firstMinute.ts)
    expect(all.targets).toContain('first-minute');
    expect(parseArgs(['--presets', 'cpu,unknown-behavior']).presets).toEqual([
      'cpu',
      'unknown-behavior',
    ]);
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
      '--site',
      'dist',
    ]);
    expect(a).toMatchObject({
      presets: ['tiny'],
      targets: ['wasm', 'torch'],
      parts: ['train'],
      stockMatMul: true,
      gpu: true,
      sets: ['model.dModel=64', 'model.positions="learned"'],
      site: 'dist',
    });
    expect(all.site).toBeNull();
    expect(all.wasmThreads[0]).toBe(1);
    expect(parseArgs(['--wasm-threads', '2,1,2']).wasmThreads).toEqual([2, 1]);
    expect(() => parseArgs(['--wasm-threads', '0'])).toThrow(/--wasm-threads takes/);
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
    expect([p.sampling, p.step, p.scaling, p.sft]).toEqual([null, null, null, null]);
    expect(planFor('wasm', 'cpu', false, ['sft', 'step'])).toMatchObject({
      sft: { reps: 3 },
      step: { reps: 3 },
      train: null,
    });
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

  it('runs real-size students once per part on wasm, reduced on a software GPU', () => {
    const all = ['sampling', 'recompute', 'train', 'step', 'scaling', 'sft'] as const;
    const wasm = planFor('wasm', 'qwen2.5-0.5b', false, [...all]);
    expect(wasm).toMatchObject({
      sampling: null,
      train: { reps: 1, warmup: false },
      step: { reps: 1, warmup: false },
      scaling: null,
      sft: null,
    });
    expect('reduced' in wasm && wasm.reduced).toBeFalsy();
    const soft = planFor('webgpu', 'smollm2-135m', false, [...all], true, true);
    expect(soft).toMatchObject({ step: { maxNewTokens: REDUCED_NEW_TOKENS } });
    expect('reduced' in soft && soft.reduced).toMatch(/SwiftShader/);
    const gpu = planFor('webgpu', 'smollm2-135m', false, [...all], false, false);
    expect(gpu).toMatchObject({ step: { reps: 1, warmup: true } });
    expect('reduced' in gpu && gpu.reduced).toBeFalsy();
    expect(planFor('cpu', 'smollm2-135m', false, [...all])).toMatchObject({
      skipped: expect.stringMatching(/WASM or WebGPU/),
    });
    expect(planFor('wasm', 'smollm2-135m', true, [...all])).toMatchObject({
      sampling: { cachedReps: 3, recomputeReps: 0 },
      scaling: null,
      sft: null,
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
  params: 1000,
  reduced: null,
  sampling: {
    cached_tokens_per_s: 5000,
    recompute_tokens_per_s: 200,
    kv_speedup: 25,
    per_step: { kernels: 94, reads: 1 },
    host_ms_per_step: 2.5,
    peak: { cached: peak(2 ** 20, 3 * 2 ** 20), recompute: peak(4 * 2 ** 20, null) },
  },
  train: {
    train_tokens_per_s: 12000,
    per_step: { kernels: 900, reads: 2 },
    per_step_fwd_bwd: { kernels: 500, reads: 0 },
    per_step_optimizer: { kernels: 399, reads: 1 },
    peak: peak(2 ** 21, 2 ** 22),
  },
  rl_step: null,
  scaling: { growth_vs_linear: { G: 0.9, length: 1.3 } },
  sft: { step_s: 0.25 },
} as unknown as PresetResult;

describe('bench summary', () => {
  it('flattens a result into its headline figures, peaks in MiB over all parts', () => {
    expect(summaryRow('node', result)).toEqual({
      where: 'node',
      backend: 'wasm',
      preset: 'tiny',
      params: 1000,
      threads: null,
      rollout_tokens_per_s: 5000,
      rollout_source: 'sampling',
      recompute_tokens_per_s: 200,
      kv_speedup_256: 25,
      train_tokens_per_s: 12000,
      rl_update_tokens_per_s: null,
      rl_step_s: null,
      update_growth_vs_linear: { G: 0.9, length: 1.3 },
      sft_step_s: 0.25,
      kernels_per_step: 94,
      reads_per_step: 1,
      host_ms_per_step: 2.5,
      dispatches_per_step: null,
      dispatches_per_layer_per_decoding_step: null,
      submits_per_step: null,
      uploads_per_step: null,
      gpu_readbacks_per_step: null,
      kernels_per_train_step: 900,
      dispatches_per_train_step: null,
      optimizer_dispatches_per_train_step: null,
      submits_per_train_step: null,
      uploads_per_train_step: null,
      gpu_readbacks_per_train_step: null,
      peak_tf_mib: 4,
      peak_rss_mib: 4,
      wasm_heap_mib: null,
      gpu_mib: null,
      reduced: null,
    });
  });

  it('takes the rollout figure from the RL step when the sampling part did not run', () => {
    const rl = {
      ...result,
      sampling: null,
      reduced: 'fewer tokens',
      rl_step: {
        median: { rollout_s: 1, teacher_s: 0, scoring_s: 2, update_s: 3, total_s: 6 },
        rollout_tokens_per_s: 42,
        update_tokens_per_s: 99,
        peak: peak(2 ** 22, null),
      },
    } as unknown as PresetResult;
    expect(summaryRow('node', rl)).toMatchObject({
      rollout_tokens_per_s: 42,
      rollout_source: 'rl_step',
      rl_update_tokens_per_s: 99,
      rl_step_s: { rollout: 1, teacher: 0, scoring: 2, update: 3, total: 6 },
      reduced: 'fewer tokens',
    });
  });

  it('carries the WebGPU work per decoding step and per layer', () => {
    const gpu = {
      ...result,
      backend: 'webgpu',
      sampling: {
        ...result.sampling!,
        per_step: { kernels: 40, reads: 1, dispatches: 19, submits: 2, uploads: 3, readbacks: 1 },
        dispatches_per_layer_per_decoding_step: 7,
      },
    } as PresetResult;
    expect(summaryRow('node', gpu)).toMatchObject({
      dispatches_per_step: 19,
      dispatches_per_layer_per_decoding_step: 7,
      submits_per_step: 2,
      uploads_per_step: 3,
      gpu_readbacks_per_step: 1,
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

  it('puts wasm and PyTorch side by side at equal thread counts', () => {
    const fast = { ...result, train: { ...result.train!, train_tokens_per_s: 20000 } };
    const rows = [summaryRow('node', result, 1), summaryRow('node', fast as PresetResult, 2)];
    const torch = {
      available: true,
      python: 'python3',
      errors: [],
      runs: [
        { preset: 'tiny' as const, threads: 2, train_tokens_per_s: 36000 },
        { preset: 'tiny' as const, threads: 1, train_tokens_per_s: 15000 },
      ],
    };
    expect(torchEqualThreads(rows, torch)).toEqual([
      {
        preset: 'tiny',
        threads: 1,
        wasm_train_tokens_per_s: 12000,
        torch_train_tokens_per_s: 15000,
        torch_over_wasm: 1.25,
        within_target: true,
      },
      {
        preset: 'tiny',
        threads: 2,
        wasm_train_tokens_per_s: 20000,
        torch_train_tokens_per_s: 36000,
        torch_over_wasm: 1.8,
        within_target: false,
      },
    ]);
    // the single-thread ratio still compares against wasm on one thread
    expect(torchRatios(rows, torch).map((r) => r.wasm_train_tokens_per_s)).toEqual([12000, 12000]);
  });
});

describe('bench --site server', () => {
  const root = path.join(mkdtempSync(path.join(tmpdir(), 'bench-site-')), 'dist');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'bench.html'), '<p>bench</p>');
  writeFileSync(path.join(root, 'assets', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(path.join(root, '..', 'secret-outside-site.txt'), 'no');

  it('maps request paths inside the site only, with the MIME type wasm needs', () => {
    expect(resolveSitePath(root, '/bench.html?backend=webgpu')).toBe(path.join(root, 'bench.html'));
    expect(resolveSitePath(root, '/assets/x.wasm')).toBe(path.join(root, 'assets', 'x.wasm'));
    expect(resolveSitePath(root, '/../secret-outside-site.txt')).toBeNull();
    expect(resolveSitePath(root, '/%2e%2e/secret-outside-site.txt')).toBeNull();
    expect(resolveSitePath(root, '/missing.js')).toBeNull();
    expect(resolveSitePath(root, '/%E0%A4%A')).toBeNull();
    expect(mimeType('a/b.wasm')).toBe('application/wasm');
    expect(mimeType('a/b.js')).toMatch(/^text\/javascript/);
  });

  it('serves the files over loopback and 404s the rest', async () => {
    const server = await serveSite(root, 0);
    const { port } = server.address() as AddressInfo;
    try {
      const wasm = await fetch(`http://127.0.0.1:${port}/assets/x.wasm`);
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
      expect((await fetch(`http://127.0.0.1:${port}/nope.html`)).status).toBe(404);
    } finally {
      server.close();
    }
  });

  it('refuses a folder with no bench.html and says how to build one', () => {
    expect(() => serveSite(path.join(root, 'assets'), 0)).toThrow(/no bench\.html.*vite build/);
  });
});

describe('bench Node WebGPU', () => {
  it('says how to add the Dawn bindings when they are missing', async () => {
    await expect(installNodeWebGPU([], 'webgpu-bindings-that-are-not-installed')).rejects.toThrow(
      /npm install --no-save webgpu.*not-installed/,
    );
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
  });
});

describe('bench PyTorch reference', () => {
  it('pins the BLAS pool to the thread count it compares at (torch.set_num_threads does not)', async () => {
    // A stand-in python: answers the version probe, and for the reference prints the thread
    // count it was asked for beside the BLAS pool size its environment sets.
    const dir = mkdtempSync(path.join(tmpdir(), 'fake-python-'));
    const fake = path.join(dir, 'python3');
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        'if [ "$1" = "-c" ]; then echo 9.9.9; exit 0; fi',
        'while [ "$1" != "--threads" ]; do shift; done',
        'echo "{\\"threads\\": $2, \\"blas_threads\\": \\"$OPENBLAS_NUM_THREADS\\", \\"omp\\": \\"$OMP_NUM_THREADS\\", \\"train_tokens_per_s\\": 1}"',
      ].join('\n'),
      { mode: 0o755 },
    );
    const before = process.env.PYTHON;
    process.env.PYTHON = fake;
    try {
      vi.resetModules();
      const { runTorch } = await import('../bench/torch');
      const r = await runTorch(['tiny'], [], [1, 2], () => {});
      expect(r.errors).toEqual([]);
      expect(r.runs.map((x) => [x.threads, x.blas_threads, x.omp])).toEqual([
        [1, '1', '1'],
        [2, '2', '2'],
      ]);
    } finally {
      if (before === undefined) delete process.env.PYTHON;
      else process.env.PYTHON = before;
    }
  });
});
