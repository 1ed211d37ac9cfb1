/**
 * How much of each part a backend runs by default, so that `npm run bench` stays within minutes on
 * a 2-core CPU-only machine (there, WebGPU and WebGL run on SwiftShader, a CPU emulation whose
 * shader compiles alone take minutes for shapes that change every step). `--full` runs every part
 * with a warm-up and 3 timed runs everywhere (an hour or more there); `--parts` picks parts.
 */
import type { PresetName } from './presets';
import { isRealSizeName } from './realSize';
import type { SamplingPlan } from './sampling';
import type { ScalingPlan } from './scaling';
import type { StepPlan } from './step';
import type { SftPlan } from './sftStep';
import type { TrainPlan } from './train';

export const BENCH_BACKENDS = ['cpu', 'wasm', 'webgl', 'webgpu'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

/** 'recompute' is the no-cache half of 'sampling' (the slow one), selectable on its own. */
export const PARTS = [
  'sampling',
  'recompute',
  'train',
  'step',
  'scaling',
  'sft',
  'import',
] as const;
/** Parts that run a model on a backend (`import` opens big runs and needs none). */
export const MODEL_PARTS: readonly Part[] = [
  'sampling',
  'recompute',
  'train',
  'step',
  'scaling',
  'sft',
];
export type Part = (typeof PARTS)[number];

export interface PresetPlan {
  preset: PresetName;
  sampling: SamplingPlan | null;
  train: TrainPlan | null;
  step: StepPlan | null;
  scaling: ScalingPlan | null;
  /** Seconds per warm-up SFT step. */
  sft: SftPlan | null;
  /** Why a count is lower than --full's, or a part skipped; copied into the result. */
  notes: string[];
  /** Set when the workload itself is smaller than the stated one (fewer new tokens): why. */
  reduced?: string;
}

/**
 * Timed train steps (after one warm-up) of the PyTorch reference, and of Node wasm, which is
 * compared with it at equal threads: the same count on both sides, each reported as its median.
 * (With 2 timed steps, wasm's median sat ~20 % above its settled figure: its first few steps run
 * slower while the heap grows and V8 tiers its code up.)
 */
export const TORCH_MATCHED_TRAIN_REPS = 5;

/** A plan, or the reason the whole preset is skipped on this backend. */
export type PlanOrSkip = PresetPlan | { preset: PresetName; skipped: string };

const FULL: Omit<PresetPlan, 'preset' | 'notes'> = {
  sampling: { cachedReps: 3, recomputeReps: 3, recomputeWarmup: true },
  train: { reps: 3, warmup: true },
  step: { reps: 3 },
  scaling: { reps: 3 },
  sft: { reps: 3 },
};

/** New tokens per rollout in the reduced real-size plan on a software GPU (SwiftShader). */
export const REDUCED_NEW_TOKENS = 8;

/**
 * Real-size students (bench/realSize.ts): one timed step per part, no warm-up (on wasm nothing
 * compiles; a step of Qwen2.5-0.5B takes many minutes on one core), the rollout figure from the
 * RL step's rollout phase (B x G rows x 256 new tokens with the KV cache). On WebGPU over a
 * software adapter the workload is reduced (REDUCED_NEW_TOKENS new tokens, JSON `reduced`); on
 * a real GPU it is the full one, with warm-ups (shader compilation).
 */
function realSizeDefaults(
  backend: BenchBackend,
  preset: PresetName,
  inBrowser: boolean,
  softwareGpu: boolean,
): PlanOrSkip {
  const where = inBrowser ? `browser ${backend}` : backend;
  if (backend === 'cpu' || backend === 'webgl')
    return {
      preset,
      skipped: `${preset} skipped on ${where}: the lab trains pretrained students on WASM or WebGPU (hours on this backend)`,
    };
  const rolloutNote =
    'rollout tok/s comes from the RL step (B x G rows x rl.maxNewTokens with the KV cache, no EOS from random weights); the separate sampling part runs with --full';
  if (backend === 'webgpu' && softwareGpu)
    return {
      preset,
      sampling: null,
      train: { reps: 1, warmup: false },
      step: { reps: 1, warmup: false, maxNewTokens: REDUCED_NEW_TOKENS },
      scaling: null,
      sft: null,
      reduced: `software GPU (SwiftShader): the RL step samples ${REDUCED_NEW_TOKENS} new tokens, not 256, and each part is one timed run without a warm-up, so shader compilation is included; run the full plan on a real GPU (scripts/pack-gpu-bench.sh)`,
      notes: [rolloutNote],
    };
  if (backend === 'webgpu')
    return {
      preset,
      sampling: null,
      train: { reps: 2, warmup: true },
      step: { reps: 1, warmup: true },
      scaling: null,
      sft: null,
      notes: [`${where}: 2 timed train steps and 1 RL step after a warm-up each`, rolloutNote],
    };
  return {
    preset,
    sampling: null,
    train: { reps: 1, warmup: false },
    step: { reps: 1, warmup: false },
    scaling: null,
    sft: null,
    notes: [
      `${where}: 1 timed train step and 1 RL step, no warm-ups (wasm compiles nothing; minutes per step)`,
      rolloutNote,
    ],
  };
}

function defaults(backend: BenchBackend, preset: PresetName, inBrowser: boolean): PlanOrSkip {
  const where = inBrowser ? `browser ${backend}` : backend;
  const gpu = backend === 'webgl' || backend === 'webgpu';
  if (preset === 'lab' && (inBrowser || backend === 'cpu'))
    return {
      preset,
      skipped: `lab skipped on ${where} by default (${backend === 'wasm' ? 'the Node wasm run covers the same engine' : 'minutes per part here'}); pass --full`,
    };
  if (preset === 'lab')
    return {
      preset,
      sampling: { cachedReps: 1, recomputeReps: 0, recomputeWarmup: false },
      train: { reps: backend === 'wasm' ? TORCH_MATCHED_TRAIN_REPS : 2, warmup: true },
      step: { reps: 2 },
      scaling: null,
      sft: { reps: 2 },
      notes: [
        `lab on ${where}: 1 timed cached sampling run, no recompute (~10 min at 256 tokens on wasm), ${backend === 'wasm' ? `${TORCH_MATCHED_TRAIN_REPS} timed train steps (as the PyTorch reference)` : '2 timed train steps'} and 2 RL steps, no update scaling; pass --full`,
      ],
    };
  if (backend === 'wasm')
    return {
      preset,
      sampling: { cachedReps: 3, recomputeReps: 1, recomputeWarmup: false },
      train: { reps: TORCH_MATCHED_TRAIN_REPS, warmup: true },
      step: { reps: inBrowser ? 2 : 3 },
      scaling: inBrowser ? null : { reps: 2 },
      sft: { reps: 3 },
      notes: [
        'recompute: 1 timed run without a warm-up of its own (wasm compiles nothing per shape)',
        ...(inBrowser ? ['update scaling runs in Node only by default'] : []),
      ],
    };
  if (backend === 'cpu')
    return {
      preset,
      sampling: { cachedReps: 1, recomputeReps: 0, recomputeWarmup: false },
      train: { reps: 1, warmup: true },
      step: { reps: 1 },
      scaling: null,
      sft: { reps: 1 },
      notes: ['cpu: 1 timed run per part, no recompute sampling (minutes) and no update scaling'],
    };
  return {
    preset,
    sampling: { cachedReps: 1, recomputeReps: 0, recomputeWarmup: false },
    train: { reps: 1, warmup: true },
    step: { reps: 1 },
    scaling: null,
    sft: { reps: 1 },
    notes: [
      `${backend}: 1 timed run per part; no recompute sampling and no update scaling by default${gpu ? ' (on SwiftShader each new shape compiles shaders for seconds to minutes)' : ''}; pass --full`,
    ],
  };
}

export function planFor(
  backend: BenchBackend,
  preset: PresetName,
  full: boolean,
  parts: readonly Part[],
  inBrowser = false,
  softwareGpu = true,
): PlanOrSkip {
  const real = isRealSizeName(preset);
  const base: PlanOrSkip = full
    ? real
      ? {
          preset,
          ...FULL,
          sampling: { ...FULL.sampling!, recomputeReps: 0 },
          scaling: null,
          sft: null,
          notes: [
            'full run (--full); no recompute sampling, update scaling or SFT for real-size students',
          ],
        }
      : { preset, ...FULL, notes: ['full run (--full)'] }
    : real
      ? realSizeDefaults(backend, preset, inBrowser, softwareGpu)
      : defaults(backend, preset, inBrowser);
  if ('skipped' in base) return base;
  const out: PresetPlan = { ...base, notes: [...base.notes] };
  for (const p of ['sampling', 'train', 'step', 'scaling', 'sft'] as const)
    if (!parts.includes(p)) out[p] = null;
  if (out.sampling && !parts.includes('recompute'))
    out.sampling = { ...out.sampling, recomputeReps: 0 };
  return out;
}
