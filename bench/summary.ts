/** The headline figures of a bench run, one flat row per (place, backend, preset), and the targets. */
import type { PresetResult } from './core';
import type { TorchResult } from './torch';

export interface SummaryRow {
  where: 'node' | 'chromium';
  backend: string;
  preset: string;
  rollout_tokens_per_s: number | null;
  recompute_tokens_per_s: number | null;
  kv_speedup_256: number | null;
  train_tokens_per_s: number | null;
  rl_step_s: {
    rollout: number;
    teacher: number;
    scoring: number;
    update: number;
    total: number;
  } | null;
  update_growth_vs_linear: { G: number; length: number } | null;
  /** Seconds per warm-up SFT step at the preset's sft.batchSize. */
  sft_step_s: number | null;
  /** Per decoding step of the whole batch: op-level kernels and tensor reads (data() calls). */
  kernels_per_step: number | null;
  reads_per_step: number | null;
  /** WebGPU only: compute dispatches and GPU->CPU buffer readbacks (async + sync). */
  dispatches_per_step: number | null;
  /** WebGPU only: one transformer block's dispatches in one decoding step (target <= 8). */
  dispatches_per_layer_per_decoding_step: number | null;
  submits_per_step: number | null;
  uploads_per_step: number | null;
  gpu_readbacks_per_step: number | null;
  peak_tf_mib: number | null;
  peak_rss_mib: number | null;
  wasm_heap_mib: number | null;
  gpu_mib: number | null;
}

const mib = (b: number | null | undefined) =>
  b === null || b === undefined ? null : Number((b / 2 ** 20).toFixed(1));
const maxOf = (xs: Array<number | null | undefined>) => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
};

export function summaryRow(where: 'node' | 'chromium', r: PresetResult): SummaryRow {
  const peaks = [
    r.sampling?.peak.cached,
    r.sampling?.peak.recompute ?? undefined,
    r.train?.peak,
    r.rl_step?.peak,
  ].filter((p) => p !== undefined);
  const s = r.sampling?.per_step;
  return {
    where,
    backend: r.backend,
    preset: r.preset,
    rollout_tokens_per_s: r.sampling?.cached_tokens_per_s ?? null,
    recompute_tokens_per_s: r.sampling?.recompute_tokens_per_s ?? null,
    kv_speedup_256: r.sampling?.kv_speedup ?? null,
    train_tokens_per_s: r.train?.train_tokens_per_s ?? null,
    rl_step_s: r.rl_step
      ? {
          rollout: r.rl_step.median.rollout_s,
          teacher: r.rl_step.median.teacher_s,
          scoring: r.rl_step.median.scoring_s,
          update: r.rl_step.median.update_s,
          total: r.rl_step.median.total_s,
        }
      : null,
    update_growth_vs_linear: r.scaling?.growth_vs_linear ?? null,
    sft_step_s: r.sft?.step_s ?? null,
    kernels_per_step: s?.kernels ?? null,
    reads_per_step: s?.reads ?? null,
    dispatches_per_step: s?.dispatches ?? null,
    dispatches_per_layer_per_decoding_step:
      r.sampling?.dispatches_per_layer_per_decoding_step ?? null,
    submits_per_step: s?.submits ?? null,
    uploads_per_step: s?.uploads ?? null,
    gpu_readbacks_per_step:
      s && s.readbacks !== undefined ? s.readbacks + (s.syncReadbacks ?? 0) : null,
    peak_tf_mib: mib(maxOf(peaks.map((p) => p!.tf_bytes))),
    peak_rss_mib: mib(maxOf(peaks.map((p) => p!.rss_bytes))),
    wasm_heap_mib: mib(maxOf(peaks.map((p) => p!.wasm_heap_bytes))),
    gpu_mib: mib(maxOf(peaks.map((p) => p!.gpu_bytes))),
  };
}

export interface TorchRatio {
  preset: string;
  wasm_train_tokens_per_s: number;
  torch_threads: number;
  torch_train_tokens_per_s: number;
  /** torch / wasm: how many times faster PyTorch is (target: at most 3). */
  torch_over_wasm: number;
}

export function torchRatios(rows: SummaryRow[], torch: TorchResult | null): TorchRatio[] {
  if (!torch?.available) return [];
  const out: TorchRatio[] = [];
  for (const t of torch.runs) {
    const w = rows.find((r) => r.where === 'node' && r.backend === 'wasm' && r.preset === t.preset);
    if (!w?.train_tokens_per_s || !t.train_tokens_per_s) continue;
    out.push({
      preset: t.preset,
      wasm_train_tokens_per_s: w.train_tokens_per_s,
      torch_threads: t.threads,
      torch_train_tokens_per_s: t.train_tokens_per_s,
      torch_over_wasm: Number((t.train_tokens_per_s / w.train_tokens_per_s).toFixed(2)),
    });
  }
  return out;
}
