/**
 * How long a preset's steps take, per backend: figures measured by `npm run bench` (the RL step
 * and the warm-up SFT step of each preset's default shapes) on the reference machine, scaled to
 * this tab by a short speed probe (backend/speedProbe.ts) run on the same backend. Pure data and
 * arithmetic (no tfjs): the page uses it for the preset picker and the long-run warning.
 */
import type { RunConfig } from './config';
import { warmupStepsOf } from './students';

export type TimedBackend = 'wasm' | 'webgpu-swiftshader' | 'webgpu-gpu';

/** One preset's measured step times on one backend. */
export interface StepSeconds {
  /** One RL step (rollout + teacher + scoring + update) at the preset's B x G. */
  rl: number;
  /** One warm-up SFT step (the update at sft.batchSize); null when not measured. */
  sft: number | null;
}

export interface MeasuredTimings {
  /** What the figures were measured on, and the command. */
  machine: string;
  command: string;
  /** Median ms of the speed probe on that machine, per backend (the scale's denominator). */
  probeMs: Partial<Record<TimedBackend, number>>;
  presets: Record<string, Partial<Record<TimedBackend, StepSeconds>>>;
}

/**
 * Measured 2026-12-03. wasm: Chromium 150 headless on the 2-core CI machine, the RL step and the
 * SFT step in a worker as the page runs them (lab's SFT step in Node 20's wasm: too slow for the
 * page's bench; lab's RL step in Chromium 156 with --full on 2026-12-05); webgpu-gpu: Node 20
 * WebGPU through Dawn on an H200 on 2026-12-04, after the fused kernels (docs/performance.md
 * "Real GPU, issue 18"; the lab's SFT step was not timed there). Medians of 2 RL steps
 * (thinktuning, the preset's B x G) and 3 SFT steps after a warm-up one. smollm2-135m-instruct (2026-12-04, Chromium 156, wasm on 2 threads):
 * one RL step at the preset's 2 x 4 x 256 of the bench's SmolLM2-135M-shaped student
 * (bench/realSize.ts: random weights, so every rollout runs all 256 tokens, and a small
 * tokenizer that makes prompts ~2x longer than SmolLM2's): an upper bound for the real model.
 * qwen2.5-0.5b-instruct (2026-12-04, Node 20 wasm on 2 threads, the bench's Qwen2.5-0.5B-shaped
 * student the same way): one RL step at the preset's 2 x 4 x 192 with rl.miniBatches 8, 883 s
 * (rollout 435, scoring 119, update 329; wasm heap 3.83 of 4 GiB).
 */
export const MEASURED: MeasuredTimings = {
  machine: '2-core x86 CPU (Chromium 150, WASM); NVIDIA H200 via Dawn for WebGPU on a GPU',
  command:
    'npm run bench -- --presets cpu,tiny,unknown-behavior --backends browser-wasm,first-minute --parts step,sft; ' +
    'npm run bench -- --presets lab --backends wasm --parts sft; ' +
    'npm run bench -- --presets lab --backends browser-wasm --parts step --full; ' +
    'npm run bench -- --presets smollm2-135m --backends browser-wasm --parts step ' +
    '--set rl.questionsPerStep=2 --set rl.groupSize=4 --set rl.miniBatches=4; ' +
    'npm run bench -- --presets qwen2.5-0.5b --backends wasm --parts step --wasm-threads 2 ' +
    '--set rl.questionsPerStep=2 --set rl.groupSize=4 --set rl.maxNewTokens=192 --set rl.miniBatches=8',
  probeMs: { wasm: 1.5 },
  presets: {
    cpu: { wasm: { rl: 1.649, sft: 0.399 } },
    tiny: { wasm: { rl: 1.13, sft: 0.278 }, 'webgpu-gpu': { rl: 1.29, sft: null } },
    'unknown-behavior': { wasm: { rl: 3.224, sft: 0.51 } },
    // rl on wasm: 2026-12-05, Chromium 156 on 2 threads (--full), the update in micro-batches
    // sized to the heap (loop/update.ts): the page's own config, which no longer runs out of heap
    lab: { wasm: { rl: 18.62, sft: 18.7 }, 'webgpu-gpu': { rl: 1.85, sft: null } },
    'smollm2-135m-instruct': { wasm: { rl: 216.4, sft: null } },
    'qwen2.5-0.5b-instruct': { wasm: { rl: 883.4, sft: null } },
  },
};

/** The backend a tab's figures come from: WebGPU on a software adapter is its own row. */
export function timedBackend(backend: string, softwareAdapter: boolean): TimedBackend | null {
  if (backend === 'wasm') return 'wasm';
  if (backend === 'webgpu') return softwareAdapter ? 'webgpu-swiftshader' : 'webgpu-gpu';
  return null;
}

/** this tab's probe / the reference's probe, clamped to [1/8, 8]: 2 means twice as slow. */
export function speedScale(
  backend: TimedBackend,
  probeMs: number | null,
  m: MeasuredTimings = MEASURED,
): number {
  const ref = m.probeMs[backend];
  if (!ref || !probeMs || !(probeMs > 0)) return 1;
  return Math.min(8, Math.max(1 / 8, probeMs / ref));
}

export interface RunEstimate {
  /** Seconds per RL step here, or null when the preset was never measured on this backend. */
  rlStep: number | null;
  /** Seconds of the whole run: warm-up SFT (unless a shipped student) + rl.steps; null unknown. */
  total: number | null;
  /** Warm-up SFT steps the run makes (0 with a shipped student). */
  sftSteps: number;
}

/** The expected time of a run of `config` (built from `preset`) on this tab. */
export function estimateRun(
  preset: string,
  config: RunConfig,
  backend: TimedBackend | null,
  scale: number,
  m: MeasuredTimings = MEASURED,
): RunEstimate {
  const sftSteps = warmupStepsOf(config);
  const t = backend ? m.presets[preset]?.[backend] : undefined;
  if (!t) return { rlStep: null, total: null, sftSteps };
  const rlStep = t.rl * scale;
  const sft = sftSteps === 0 ? 0 : t.sft === null ? null : t.sft * scale * sftSteps;
  return { rlStep, total: sft === null ? null : sft + rlStep * config.rl.steps, sftSteps };
}

/** "0.9 s", "45 s", "2 min", "1 h 20 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const min = Math.round((seconds % 3600) / 60);
  return min ? `${h} h ${min} min` : `${h} h`;
}

/** Runs longer than this get a warning with the way to a faster one before they start. */
export const LONG_RUN_SECONDS = 30 * 60;
