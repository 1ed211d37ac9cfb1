/**
 * Warm-up part: seconds per SFT step of the preset's own warm-up (sft.batchSize rows, its
 * gradient accumulation, AdamW) from a fresh student: what "warm up from scratch" costs per step.
 */
import { OPTIONAL_DEFAULTS } from '../src/contract/configDefaults';
import * as tf from '@tensorflow/tfjs';
import { runSft } from '../src/engine/sft/train';
import { createStudent } from '../src/engine/student';
import type { BenchPreset } from './presets';
import { median, round } from './stats';

export interface SftPlan {
  /** Timed steps after one warm-up step. */
  reps: number;
}

export interface SftStepResult {
  batch: number;
  grad_accum: number;
  step_s: number;
  runs_s: number[];
  warmup_s: number;
}

export async function runSftSteps(
  preset: BenchPreset,
  plan: SftPlan,
  log: (msg: string) => void,
): Promise<SftStepResult> {
  const config = {
    ...preset.config,
    sft: { ...preset.config.sft, steps: plan.reps + 1, warmupSteps: 0 },
  };
  const model = createStudent(config, preset.tokenizer);
  const times: number[] = [];
  try {
    await runSft(model, preset.tokenizer, preset.trainItems, {
      config,
      onStep: (m) => void times.push(m.step_time),
    });
  } finally {
    model.dispose();
  }
  const runs = times.slice(1);
  log(
    `[${tf.getBackend()}/${preset.name}] sft step: ${runs.map((t) => t.toFixed(2)).join(', ')} s`,
  );
  return {
    batch: config.sft.batchSize,
    grad_accum: config.sft.gradAccum ?? OPTIONAL_DEFAULTS.sft.gradAccum,
    step_s: round(median(runs), 3),
    runs_s: runs.map((t) => round(t, 3)),
    warmup_s: round(times[0] ?? 0, 3),
  };
}
