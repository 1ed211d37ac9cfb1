/**
 * Sampling part: B x G rows x 256 new tokens with the KV cache and with full recompute, and the
 * work each decoding step costs (kernels; on WebGPU dispatches, submits, uploads and readbacks).
 * No Node or DOM APIs: shared by Node (bench/node.ts) and the browser worker.
 */
import * as tf from '@tensorflow/tfjs';
import {
  diffCounts,
  perUnit,
  startWorkCounter,
  type WorkCounts,
} from '../src/engine/backend/counters';
import type { CausalLM } from '../src/engine/model/causalLM';
import { sample } from '../src/engine/model/sample';
import { countDecodeStep } from './decodeCounts';
import { TransformerModel } from '../src/engine/model/transformer';
import { mulberry32 } from '../src/engine/random';
import { withContext, type BenchPreset } from './presets';
import {
  median,
  round,
  timeMany,
  trackPeak,
  watchingKernels,
  type MemoryPeak,
  type PeakTracker,
} from './stats';
import { NEW_TOKENS, NO_EOS, PROMPT_TOKENS } from './workload';

export interface SamplingPlan {
  /** Timed cached runs after one warm-up (which is also the counted run). */
  cachedReps: number;
  /** Timed no-cache runs; 0 skips recompute. */
  recomputeReps: number;
  recomputeWarmup: boolean;
  /** An untimed cached run first (default true); without it the first timed run is counted. */
  cachedWarmup?: boolean;
  /** New tokens per row (default NEW_TOKENS; fewer only in a plan marked reduced). */
  newTokens?: number;
}

export interface SamplingResult {
  rows: number;
  promptTokens: number;
  newTokens: number;
  /** Positions the sampling model covers (the preset's context, extended to fit). */
  context: number;
  cached_tokens_per_s: number;
  cached_ms: number;
  cached_runs_ms: number[];
  cached_warmup_ms: number | null;
  recompute_tokens_per_s: number | null;
  recompute_ms: number | null;
  recompute_runs_ms: number[];
  /** cached / recompute tokens per second at 256 new tokens. */
  kv_speedup: number | null;
  /**
   * Work per decoding step of the whole batch (forward + pick + readback), averaged over steps
   * 2..256 of the warm-up run; per_token divides by the rows.
   */
  per_step: WorkCounts;
  per_token: WorkCounts;
  /**
   * One transformer block's work in one decoding step (forward at T = 1 with the cache, same
   * rows, counted through forward()'s onLayer probe; the most any block did).
   */
  per_layer_per_step: WorkCounts | null;
  /**
   * Host ms per decoding step of the timed cached runs (median): picking and queuing a step,
   * the waits for readbacks excluded (sample()'s hostMs / steps). On WebGPU a step cannot run
   * faster than this; on wasm and cpu it is the computation itself.
   */
  host_ms_per_step: number | null;
  /** per_layer_per_step.dispatches (WebGPU only; null elsewhere). */
  dispatches_per_layer_per_decoding_step: number | null;
  peak: { cached: MemoryPeak; recompute: MemoryPeak | null };
}

function prompts(rows: number, vocab: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: PROMPT_TOKENS }, () => 1 + Math.floor(rng.next() * (vocab - 1))),
  );
}

/** One sampling call; wall ms (its last step reads the ids back, so the work is done). */
async function timeSample(
  model: CausalLM,
  rows: number,
  useCache: boolean,
  seed: number,
  peak: PeakTracker,
  newTokens: number,
  onStep?: (step: number) => void,
  onHostMs?: (hostMs: number) => void,
): Promise<number> {
  const t0 = performance.now();
  const r = await sample(model, prompts(rows, model.config.vocab, seed), {
    maxNewTokens: newTokens,
    temperature: 1,
    topP: 1,
    seed,
    eosId: NO_EOS,
    padId: 0,
    useCache,
    onStep: (s) => {
      peak.poll();
      onStep?.(s);
    },
  });
  const ms = performance.now() - t0;
  if (r.steps !== newTokens) throw new Error(`sample ran ${r.steps} steps, not ${newTokens}`);
  onHostMs?.(r.hostMs);
  return ms;
}

export async function runSampling(
  preset: BenchPreset,
  plan: SamplingPlan,
  log: (msg: string) => void,
): Promise<SamplingResult> {
  const newTokens = plan.newTokens ?? NEW_TOKENS;
  const cfg = withContext(preset.model, PROMPT_TOKENS + newTokens);
  // A real-size student samples as the pretrained path does: LoRA adapters on a frozen base.
  const model: CausalLM = preset.realSize
    ? preset.realSize.build()
    : TransformerModel.create(cfg, 1234);
  const tag = `[${tf.getBackend()}/${preset.name}] sampling`;
  const rows = preset.rows;
  const perRun = rows * newTokens;
  try {
    const peakCached = trackPeak();
    // The warm-up is the counted run: counts between step 1 and step 256 (255 decoding steps).
    const warm = plan.cachedWarmup ?? true;
    const counted = warm ? 0 : 1;
    const counter = startWorkCounter();
    let first: WorkCounts | null = null;
    let last: WorkCounts | null = null;
    let cached;
    const hostMsPerStep: number[] = [];
    try {
      cached = await timeMany(
        plan.cachedReps,
        warm,
        (i) =>
          watchingKernels(i === counted, peakCached, () =>
            timeSample(
              model,
              rows,
              true,
              100 + i,
              peakCached,
              newTokens,
              (s) => {
                if (i !== counted) return;
                if (s === 1) first = counter.counts();
                if (s === newTokens) last = counter.counts();
              },
              (hostMs) => {
                if (i > 0) hostMsPerStep.push(hostMs / newTokens);
              },
            ),
          ),
        log,
        `${tag} cached`,
      );
    } finally {
      counter.restore();
    }
    const steps = newTokens - 1;
    const perStep = perUnit(diffCounts(last!, first!), steps);
    const perToken = perUnit(diffCounts(last!, first!), steps * rows);
    // one block's work per decoding step (the student's blocks; real-size Llama students: null)
    const perLayer =
      model instanceof TransformerModel
        ? countDecodeStep(model, rows, PROMPT_TOKENS).per_layer
        : null;
    let recompute = null;
    const peakRecompute = trackPeak();
    if (plan.recomputeReps > 0)
      recompute = await timeMany(
        plan.recomputeReps,
        plan.recomputeWarmup,
        (i) => timeSample(model, rows, false, 100 + i, peakRecompute, newTokens),
        log,
        `${tag} recompute`,
      );
    const cachedTps = perRun / (cached.median_ms / 1000);
    const recomputeTps = recompute ? perRun / (recompute.median_ms / 1000) : null;
    return {
      rows,
      promptTokens: PROMPT_TOKENS,
      newTokens,
      context: model.config.context,
      cached_tokens_per_s: round(cachedTps),
      cached_ms: cached.median_ms,
      cached_runs_ms: cached.runs_ms,
      cached_warmup_ms: cached.warmup_ms,
      recompute_tokens_per_s: recomputeTps === null ? null : round(recomputeTps),
      recompute_ms: recompute?.median_ms ?? null,
      recompute_runs_ms: recompute?.runs_ms ?? [],
      kv_speedup: recomputeTps === null ? null : round(cachedTps / recomputeTps, 2),
      per_step: perStep,
      per_token: perToken,
      host_ms_per_step: hostMsPerStep.length ? round(median(hostMsPerStep), 3) : null,
      per_layer_per_step: perLayer,
      dispatches_per_layer_per_decoding_step: perLayer?.dispatches ?? null,
      peak: { cached: peakCached.peak(), recompute: recompute ? peakRecompute.peak() : null },
    };
  } finally {
    model.dispose();
  }
}
