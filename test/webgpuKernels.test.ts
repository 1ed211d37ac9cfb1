/**
 * The fused WebGPU kernels (src/engine/backend/webgpuKernels.ts) on a real WebGPU implementation:
 * Dawn's Node bindings over SwiftShader's Vulkan, both from Debian's Chromium (the e2e tests need
 * it anyway). Runs test/webgpu/parityMain.ts in a child process, which is what lets it put
 * Chromium's Vulkan loader on LD_LIBRARY_PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CHROMIUM_LIB = process.env.CHROMIUM_LIB_DIR ?? '/usr/lib/chromium';
const ICD = `${CHROMIUM_LIB}/vk_swiftshader_icd.json`;

describe('fused WebGPU kernels (Dawn + SwiftShader)', () => {
  it('LayerNorm and GELU: one dispatch each, float64 values and cpu gradients to 2e-6', () => {
    expect(
      existsSync(ICD),
      `${ICD} missing: install Debian's chromium (apt-get install -y chromium), or set CHROMIUM_LIB_DIR`,
    ).toBe(true);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/webgpu/parityMain.ts'], {
      env: {
        ...process.env,
        LD_LIBRARY_PATH: [CHROMIUM_LIB, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
        VK_ICD_FILENAMES: ICD,
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout.trim().split('\n')[0]) as Record<string, number | string>;
    expect(r.adapter).toMatch(/swiftshader/);
    for (const k of ['ln_40', 'ln_130', 'gelu']) {
      expect(r[`${k}_dispatches`], k).toBe(1);
      expect(r[`${k}_value`] as number, k).toBeLessThan(2e-6);
      expect(r[`${k}_grad`] as number, k).toBeLessThan(2e-6);
    }
  }, 150_000);
});
