/** The headline figures of a bench run, one flat row per (place, backend, preset), and the targets. */
import type { PresetResult } from './core';
import type { TorchResult } from './torch';

export interface SummaryRow {
  where: 'node' | 'chromium';
  backend: string;
  preset: string;
  /** wasm: the backend's thread count (1 = single-threaded build); null elsewhere or unknown. */
  threads: number | null;
  /** Parameters of the student (a real-size one's whole base). */
  params: number;
  /** KV-cached sampling: the sampling part's, else the RL step's rollout phase (rollout_source). */
  rollout_tokens_per_s: number | null;
  rollout_source: 'sampling' | 'rl_step' | null;
  recompute_tokens_per_s: number | null;
  kv_speedup_256: number | null;
  /** Forward + backward + AdamW on [rows, 128] (real-size: LoRA, rows = one update mini-batch). */
  train_tokens_per_s: number | null;
  /** The RL step's update phase: rows x padded length per second, over all its mini-batches. */
  rl_update_tokens_per_s: number | null;
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
  /** Host ms to pick and queue one decoding step (readback waits excluded; sampling only). */
  host_ms_per_step: number | null;
  /** WebGPU only: compute dispatches and GPU->CPU buffer readbacks (async + sync). */
  dispatches_per_step: number | null;
  /** WebGPU only: one transformer block's dispatches in one decoding step (target <= 8). */
  dispatches_per_layer_per_decoding_step: number | null;
  submits_per_step: number | null;
  uploads_per_step: number | null;
  gpu_readbacks_per_step: number | null;
  /** Per train step (forward + backward + AdamW): op-level kernels everywhere; the rest WebGPU only. */
  kernels_per_train_step: number | null;
  dispatches_per_train_step: number | null;
  /** Of those, the optimizer's (AdamW with its gradient-norm reduction). */
  optimizer_dispatches_per_train_step: number | null;
  submits_per_train_step: number | null;
  uploads_per_train_step: number | null;
  gpu_readbacks_per_train_step: number | null;
  peak_tf_mib: number | null;
  peak_rss_mib: number | null;
  wasm_heap_mib: number | null;
  gpu_mib: number | null;
  /** Why the workload was smaller than stated (plan.ts), else null. */
  reduced: string | null;
}

const mib = (b: number | null | undefined) =>
  b === null || b === undefined ? null : Number((b / 2 ** 20).toFixed(1));
const maxOf = (xs: Array<number | null | undefined>) => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
};

export function summaryRow(
  where: 'node' | 'chromium',
  r: PresetResult,
  threads: number | null = null,
): SummaryRow {
  const peaks = [
    r.sampling?.peak.cached,
    r.sampling?.peak.recompute ?? undefined,
    r.train?.peak,
    r.rl_step?.peak,
  ].filter((p) => p !== undefined);
  const s = r.sampling?.per_step;
  const t = r.train?.per_step;
  const readbacks = (c: Record<string, number> | undefined) =>
    c && c.readbacks !== undefined ? c.readbacks + (c.syncReadbacks ?? 0) : null;
  return {
    where,
    backend: r.backend,
    preset: r.preset,
    params: r.params,
    threads,
    rollout_tokens_per_s:
      r.sampling?.cached_tokens_per_s ?? r.rl_step?.rollout_tokens_per_s ?? null,
    rollout_source: r.sampling ? 'sampling' : r.rl_step ? 'rl_step' : null,
    recompute_tokens_per_s: r.sampling?.recompute_tokens_per_s ?? null,
    kv_speedup_256: r.sampling?.kv_speedup ?? null,
    train_tokens_per_s: r.train?.train_tokens_per_s ?? null,
    rl_update_tokens_per_s: r.rl_step?.update_tokens_per_s ?? null,
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
    host_ms_per_step: r.sampling?.host_ms_per_step ?? null,
    dispatches_per_step: s?.dispatches ?? null,
    dispatches_per_layer_per_decoding_step:
      r.sampling?.dispatches_per_layer_per_decoding_step ?? null,
    submits_per_step: s?.submits ?? null,
    uploads_per_step: s?.uploads ?? null,
    gpu_readbacks_per_step: readbacks(s),
    kernels_per_train_step: t?.kernels ?? null,
    dispatches_per_train_step: t?.dispatches ?? null,
    optimizer_dispatches_per_train_step: r.train?.per_step_optimizer.dispatches ?? null,
    submits_per_train_step: t?.submits ?? null,
    uploads_per_train_step: t?.uploads ?? null,
    gpu_readbacks_per_train_step: readbacks(t),
    peak_tf_mib: mib(maxOf(peaks.map((p) => p!.tf_bytes))),
    peak_rss_mib: mib(maxOf(peaks.map((p) => p!.rss_bytes))),
    wasm_heap_mib: mib(maxOf(peaks.map((p) => p!.wasm_heap_bytes))),
    gpu_mib: mib(maxOf(peaks.map((p) => p!.gpu_bytes))),
    reduced: r.reduced ?? null,
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

const nodeWasm = (rows: SummaryRow[], preset: string) =>
  rows.filter((r) => r.where === 'node' && r.backend === 'wasm' && r.preset === preset);

/** PyTorch at each of its thread counts against Node wasm on one thread (or its only row). */
export function torchRatios(rows: SummaryRow[], torch: TorchResult | null): TorchRatio[] {
  if (!torch?.available) return [];
  const out: TorchRatio[] = [];
  for (const t of torch.runs) {
    const w = nodeWasm(rows, t.preset).find((r) => (r.threads ?? 1) === 1);
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

/** The issue-18 target: PyTorch over wasm at most this many times at equal thread counts. */
export const EQUAL_THREADS_TARGET = 1.5;

export interface EqualThreadsRatio {
  preset: string;
  threads: number;
  wasm_train_tokens_per_s: number;
  torch_train_tokens_per_s: number;
  /** torch / wasm at the same thread count (target: at most EQUAL_THREADS_TARGET). */
  torch_over_wasm: number;
  within_target: boolean;
}

/** Node wasm and PyTorch train tokens/s side by side at each thread count both ran. */
export function torchEqualThreads(
  rows: SummaryRow[],
  torch: TorchResult | null,
): EqualThreadsRatio[] {
  if (!torch?.available) return [];
  const out: EqualThreadsRatio[] = [];
  for (const t of torch.runs) {
    const w = nodeWasm(rows, t.preset).find((r) => (r.threads ?? 1) === t.threads);
    if (!w?.train_tokens_per_s || !t.train_tokens_per_s) continue;
    const ratio = Number((t.train_tokens_per_s / w.train_tokens_per_s).toFixed(2));
    out.push({
      preset: t.preset,
      threads: t.threads,
      wasm_train_tokens_per_s: w.train_tokens_per_s,
      torch_train_tokens_per_s: t.train_tokens_per_s,
      torch_over_wasm: ratio,
      within_target: ratio <= EQUAL_THREADS_TARGET,
    });
  }
  return out.sort((a, b) => a.preset.localeCompare(b.preset) || a.threads - b.threads);
}
