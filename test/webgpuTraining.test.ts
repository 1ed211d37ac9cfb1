/**
 * The fused WebGPU kernels of a train step (issue 18: AdamW, the LayerNorm / GELU / attention
 * backward passes) on Dawn's Node bindings over SwiftShader's Vulkan, as webgpuKernels.test.ts
 * runs the forward kernels: each child script (test/webgpu/adamwMain.ts, backwardMain.ts) runs in
 * a process of its own with Chromium's Vulkan loader on LD_LIBRARY_PATH, against the cpu backend.
 */
import { describe, expect, it } from 'vitest';
import { runDawnChild } from './webgpu/dawnChild';

/** Runs a child script on Dawn + SwiftShader; its first stdout line, parsed. */
function child<T>(script: string): T {
  return runDawnChild<T>(script, 280_000); // seconds when idle; minutes on a loaded 2-core machine
}

interface AdamWParity {
  adapter: string;
  tensors: number;
  storage_buffers: number;
  params: number;
  m: number;
  v: number;
  norm: number;
  clipped_steps: number;
  dispatches: number[];
  num_tensors: number[];
  nan_skipped: boolean;
  broken: { update: number; norm: number };
}

describe('fused WebGPU training kernels (Dawn + SwiftShader)', () => {
  it('AdamW: cpu AdamW to 1e-6 over 4 steps (2 clipped), one dispatch per tensor + the norm, no leaks', () => {
    const r = child<AdamWParity>('test/webgpu/adamwMain.ts');
    expect(r.adapter).toMatch(/swiftshader/);
    expect(r.clipped_steps).toBe(2);
    for (const k of ['params', 'm', 'v', 'norm'] as const) expect(r[k], k).toBeLessThan(1e-6);
    // the norm in groups of (storage buffers - 2) gradients, then one update per tensor
    const norm = Math.ceil(r.tensors / (r.storage_buffers - 2));
    expect(r.dispatches).toEqual(r.dispatches.map(() => norm + r.tensors));
    expect(new Set(r.num_tensors).size, `live tensors per step: ${r.num_tensors}`).toBe(1);
    expect(r.nan_skipped).toBe(true);
    // a constant 0.1 % off in either shader fails the parity
    expect(r.broken.update, 'update shader broken').toBeGreaterThan(1e-5);
    expect(r.broken.norm, 'norm shader broken').toBeGreaterThan(1e-5);
  }, 300_000);

  it('backward: LayerNorm 4 dispatches, GELU 1, attention softmax 1; cpu gradients to 2e-6, no leaks', () => {
    const r = child<Record<string, unknown>>('test/webgpu/backwardMain.ts');
    expect(r.adapter).toMatch(/swiftshader/);
    for (const k of ['ln_40', 'ln_130', 'gelu', 'attention']) {
      expect(r[`${k}_grad_dispatches`], k).toBe(k.startsWith('ln') ? 4 : 1);
      expect(r[`${k}_grad`] as number, k).toBeLessThan(2e-6);
    }
    const live = r.num_tensors as number[];
    expect(new Set(live).size, `live tensors after each backward pass: ${live}`).toBe(1);
    // each backward shader with a constant 0.1 % off fails its own gradient parity, not the others
    const places = { ln_130: 'ln-grad', gelu: 'gelu-grad', attention: 'attention-grad' };
    for (const [place, own] of Object.entries(places))
      for (const part of Object.values(places)) {
        const diff = (r[`${place}_grad_broken`] as Record<string, number>)[part];
        if (part === own) expect(diff, `${place} with ${part} broken`).toBeGreaterThan(1e-5);
        else expect(diff, `${place} with ${part} broken`).toBeLessThan(2e-6);
      }
  }, 300_000);
});
