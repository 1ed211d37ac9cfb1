/**
 * How much of each preset a backend runs by default, so that `npm run bench` stays near
 * 10 minutes on a 2-core CPU-only machine (measured there: webgl on SwiftShader needs ~170 s
 * just to compile the no-cache shapes of 'tiny'; 'lab' no-cache sampling on wasm takes ~100 s).
 * `full` asks for a warm-up and 3 timed runs of everything everywhere (an hour or more there).
 */
import type { PresetName } from './presets';
import type { PresetPlan } from './sampling';

export const BENCH_BACKENDS = ['cpu', 'wasm', 'webgl', 'webgpu'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

/** A plan, or the reason the preset is skipped on this backend. */
export type PlanOrSkip = PresetPlan | { preset: PresetName; skipped: string };

const NO_WARMUP =
  'no warm-up of their own (this backend compiles nothing per shape; the cached warm-up loaded the kernels)';

export function planFor(
  backend: BenchBackend,
  preset: PresetName,
  full: boolean,
  inBrowser = false,
): PlanOrSkip {
  const all: PresetPlan = {
    preset,
    cachedReps: 3,
    recomputeReps: 3,
    trainReps: 3,
    recomputeWarmup: true,
    trainWarmup: true,
  };
  if (full) return { ...all, note: 'full run (--full)' };
  const gpuSkip = `no-cache sampling skipped by default on ${backend} (SwiftShader compiles a shader set per sequence length: minutes); pass --full`;
  if (preset === 'tiny') {
    switch (backend) {
      case 'wasm':
        return all;
      case 'cpu':
        return {
          ...all,
          recomputeReps: 1,
          recomputeWarmup: false,
          trainReps: 1,
          note: `no-cache sampling: 1 timed run, ${NO_WARMUP}; train step: 1 timed run`,
        };
      case 'webgl':
        return {
          ...all,
          recomputeReps: 0,
          trainReps: 1,
          note: `${gpuSkip}; train step: 1 timed run`,
        };
      case 'webgpu':
        return {
          ...all,
          cachedReps: 1,
          recomputeReps: 0,
          trainReps: 1,
          note: `cached sampling and train step: 1 timed run each; ${gpuSkip}`,
        };
    }
  }
  // lab (3.3M parameters): no-cache sampling costs ~50x the cached path.
  if (backend === 'wasm' && !inBrowser)
    return {
      ...all,
      recomputeReps: 1,
      trainReps: 1,
      recomputeWarmup: false,
      trainWarmup: false,
      note: `no-cache sampling and train step: 1 timed run each, ${NO_WARMUP}`,
    };
  const where = inBrowser ? `browser ${backend}` : backend;
  const why =
    backend === 'wasm' ? 'the Node wasm run covers the same engine' : 'minutes per run here';
  return { preset, skipped: `lab skipped on ${where} by default (${why}); pass --full` };
}
