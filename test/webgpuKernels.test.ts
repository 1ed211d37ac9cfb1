/**
 * The fused WebGPU kernels (src/engine/backend/webgpuKernels.ts) on a real WebGPU implementation:
 * Dawn's Node bindings over SwiftShader's Vulkan, both from Debian's Chromium (the e2e tests need
 * it anyway). Runs test/webgpu/parityMain.ts in a child process, which is what lets it put
 * Chromium's Vulkan loader on LD_LIBRARY_PATH.
 */
import { describe, expect, it } from 'vitest';
import { runDawnChild } from './webgpu/dawnChild';

/** Runs parityMain.ts once (about a minute on SwiftShader); every test reads its figures. */
let figures: Record<string, number | string | boolean> | null = null;
function parity(): Record<string, number | string | boolean> {
  figures ??= runDawnChild<Record<string, number | string | boolean>>(
    'test/webgpu/parityMain.ts',
    240_000,
  );
  return figures;
}

describe('fused WebGPU kernels (Dawn + SwiftShader)', () => {
  it('LayerNorm and GELU: one dispatch each, float64 values and cpu gradients to 2e-6', () => {
    const r = parity();
    expect(r.adapter).toMatch(/swiftshader/);
    for (const k of ['ln_40', 'ln_130', 'gelu']) {
      expect(r[`${k}_dispatches`], k).toBe(1);
      expect(r[`${k}_value`] as number, k).toBeLessThan(2e-6);
      expect(r[`${k}_grad`] as number, k).toBeLessThan(2e-6);
    }
  }, 270_000);

  it('decoding linear layer (LayerNorm, bias, GELU, residual, transposed head): one dispatch, float64 to 2e-6', () => {
    const r = parity();
    for (const k of ['tiny_qkv', 'lab_w1', 'lab_w2', 'tiny_head']) {
      expect(r[`linear_${k}_dispatches`], k).toBe(1);
      expect(r[`linear_${k}_rel`] as number, k).toBeLessThan(2e-6);
    }
  }, 270_000);

  it('KV append (key with RoPE and value in one) and single-query attention: 2 dispatches, float64 values', () => {
    const r = parity();
    // RoPE's cos/sin of float32 angles up to ~150 rad on the GPU (as tfjs's own Cos/Sin): ~1e-4
    for (const k of ['tiny', 'lab', 'wide']) {
      expect(r[`attn_${k}_dispatches`], k).toBe(2);
      expect(r[`attn_${k}_append_v`], k).toBe(0);
      expect(r[`attn_${k}_append_k`] as number, k).toBeLessThan(5e-4);
      expect(r[`attn_${k}_attention`] as number, k).toBeLessThan(3e-4);
    }
    expect(r.attn_wide_attention as number).toBeLessThan(2e-6); // no RoPE
    // every score x 1.01 (decodeAttentionTestHooks): the same comparison fails
    expect(r.attn_broken_attention as number).toBeGreaterThan(3e-4);
  }, 270_000);

  it('greedy decoding on the fused path matches the cpu backend, packs rows, leaks nothing, 6 dispatches per layer', () => {
    const r = parity();
    for (const k of ['tiny', 'lab', 'learned']) {
      expect(r[`decode_${k}_same_tokens`], k).toBe(true);
      expect(r[`decode_${k}_packed_same_tokens`], k).toBe(true);
      expect(r[`decode_${k}_logits`] as number, k).toBeLessThan(2e-4);
      expect(r[`decode_${k}_tensor_growth`], k).toBe(0);
      expect(r[`decode_${k}_dispatches_per_layer`], k).toBe(6); // target <= 8
    }
    // against tfjs's own kernels on the same WebGPU device
    expect(r.decode_tiny_vs_unfused_logits as number).toBeLessThan(2e-6);
    expect(r.decode_tiny_unfused_dispatches_per_layer as number).toBeGreaterThan(20);
  }, 270_000);

  it("sample()'s row decoder (a whole step, forward and pick, in one dispatch a row): cpu tokens greedy, sampled and packed, 2 dispatches a step, no leak; a broken one fails", () => {
    const r = parity();
    for (const k of ['tiny', 'lab', 'learned']) {
      expect(r[`row_${k}_same_tokens`], k).toBe(true);
      expect(r[`row_${k}_sampled_same_tokens`], k).toBe(true);
      expect(r[`row_${k}_packed_same_tokens`], k).toBe(true);
      expect(r[`row_${k}_tensor_growth`], k).toBe(0);
      expect(r[`row_${k}_dispatches_per_step`], k).toBe(2); // the step and the ids' copy
    }
    // every attention score x 1.5 (rowDecodeTestHooks): the tokens change
    expect(r.row_broken_same_tokens).toBe(false);
  }, 270_000);

  it('Llama decoding: RMSNorm, RoPE into heads and SwiGLU in one dispatch each (float64 to 2e-6, broken ones fail), LoRA merged on WebGPU: cpu logits, fewer dispatches, no leak', () => {
    const r = parity();
    for (const d of [40, 130]) {
      expect(r[`rms_${d}_dispatches`]).toBe(1);
      expect(r[`rms_${d}_value`] as number).toBeLessThan(2e-6);
    }
    expect(r.rms_broken_value as number).toBeGreaterThan(1e-3);
    for (const k of ['step', 'prefill']) {
      expect(r[`rope_${k}_dispatches`], k).toBe(1);
      expect(r[`rope_${k}_value`] as number, k).toBeLessThan(2e-6);
    }
    expect(r.rope_step_shape).toBe('3x4x1x16');
    expect(r.rope_prefill_shape).toBe('2x2x5x64');
    expect(r.rope_broken_value as number).toBeGreaterThan(1e-4);
    expect(r.swiglu_dispatches).toBe(1);
    expect(r.swiglu_value as number).toBeLessThan(2e-6);
    expect(r.swiglu_broken_value as number).toBeGreaterThan(1e-4);
    // logits of order 3: float32 on the GPU against the cpu backend, merged or not
    expect(r.llama_logit_scale as number).toBeGreaterThan(1);
    expect(r.llama_merged_logits as number).toBeLessThan(2e-3);
    expect(r.llama_separate_logits as number).toBeLessThan(2e-3);
    expect(r.llama_merged_vs_separate as number).toBeLessThan(2e-3);
    expect(r.llama_tensor_growth).toBe(0);
    // 7 adapted linears: 4 kernels each fewer (x A^T, * s, * B^T, +)
    expect(r.llama_separate_dispatches_per_layer as number).toBeGreaterThanOrEqual(
      (r.llama_merged_dispatches_per_layer as number) + 28,
    );
  }, 270_000);

  it('token pick (divide, add noise, argmax) in one dispatch: the cpu ids, ties to the lowest id, a broken one fails', () => {
    const r = parity();
    for (const k of ['v40', 'v105', 'v1000']) {
      expect(r[`pick_${k}_same`], k).toBe(true);
      expect(r[`pick_${k}_dispatches`], k).toBe(1);
      expect(r[`pick_${k}_distinct`] as number, k).toBeGreaterThan(1);
    }
    expect(r.pick_ties).toBe('[0,129,10]');
    expect(r.pick_ties_cpu).toBe('[0,129,10]');
    expect(r.pick_v1000_broken_same).toBe(false);
  }, 270_000);

  it('flushWebGPU submits the dispatches tfjs holds back (under its batch of 15) once, and nothing when none are', () => {
    const r = parity();
    expect(r.flush_dispatches).toBe(3);
    expect(r.flush_submits_before).toBe(0);
    expect(r.flush_first).toBe(true);
    expect(r.flush_submits_after).toBe(1);
    expect(r.flush_second).toBe(false);
    expect(r.flush_submits_again).toBe(1);
    expect(r.flush_values_ok).toBe(true);
  }, 270_000);
});
