/**
 * RL step part: RlTrainer.runStep with the preset's own config (ThinkTuning, built-in teacher)
 * from the preset's shipped warm-up student (else a fresh one), the wall time split as the
 * trainer reports it.
 */
import * as tf from '@tensorflow/tfjs';
import { buildTeacher } from '../src/engine/teacher/build';
import { RlTrainer } from '../src/engine/loop/trainer';
import type { CausalLM } from '../src/engine/model/causalLM';
import { createStudent } from '../src/engine/student';
import type { BenchPreset } from './presets';
import { median, round, trackPeak, watchingKernels, type MemoryPeak } from './stats';

export interface StepPlan {
  /** Timed steps after one warm-up step. */
  reps: number;
  /** Overrides the preset's rl.miniBatches. */
  miniBatches?: number;
  /** Overrides the preset's rl.gradAccum (memory: see plan.ts). */
  gradAccum?: number;
  /** An untimed warm-up step first (default true); without it the first timed step is watched. */
  warmup?: boolean;
  /** Overrides rl.maxNewTokens (only in a plan marked reduced). */
  maxNewTokens?: number;
}

export interface StepSplit {
  rollout_s: number;
  teacher_s: number;
  scoring_s: number;
  update_s: number;
  /** Everything else inside runStep (rewards, records, metrics). */
  other_s: number;
  total_s: number;
}

export interface RlStepResult {
  B: number;
  G: number;
  maxNewTokens: number;
  miniBatches: number;
  gradAccum: number;
  algo: string;
  /** Median of the timed steps, per phase. */
  median: StepSplit;
  steps: Array<
    StepSplit & {
      rollout_tokens: number;
      train_tokens: number;
      guided: number;
      finished: number;
      /** Backward passes of the update: rl.gradAccum, or more to fit WASM's heap. */
      micro_batches: number;
    }
  >;
  /** null: no warm-up step (the first timed step was watched for memory). */
  warmup_s: number | null;
  rollout_tokens_per_s: number;
  update_tokens_per_s: number;
  peak: MemoryPeak;
}

export async function runRlStep(
  preset: BenchPreset,
  plan: StepPlan,
  log: (msg: string) => void,
): Promise<RlStepResult> {
  const rl = { ...preset.config.rl };
  if (plan.miniBatches) rl.miniBatches = plan.miniBatches;
  if (plan.gradAccum) rl.gradAccum = plan.gradAccum;
  if (plan.maxNewTokens) rl.maxNewTokens = plan.maxNewTokens;
  const config = { ...preset.config, rl };
  // From the preset's shipped warm-up student where it has one (what a user's RL steps do), a
  // real-size pretrained student with fresh LoRA adapters, else a fresh student.
  const model: CausalLM = preset.shipped
    ? preset.shipped.clone()
    : preset.realSize
      ? preset.realSize.build()
      : createStudent(config, preset.tokenizer);
  const trainer = new RlTrainer({
    config,
    model,
    tokenizer: preset.tokenizer,
    trainItems: preset.trainItems,
    teacher: buildTeacher(config),
  });
  const peak = trackPeak();
  const tag = `[${tf.getBackend()}/${preset.name}] rl step`;
  type OneStep = RlStepResult['steps'][number];
  const one = async (): Promise<OneStep> => {
    const t0 = performance.now();
    // Phase starts go to the log as they happen (a real-size step takes minutes).
    const r = await trainer.runStep({
      onPhase: (phase) => {
        peak.poll();
        log(`${tag}: ${phase} starts at ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      },
    });
    peak.poll();
    const total = (performance.now() - t0) / 1000;
    const m = r.metrics;
    const split = {
      rollout_s: m['timing/rollout_s']!,
      teacher_s: m['timing/teacher_s']!,
      scoring_s: m['timing/scoring_s']!,
      update_s: m['timing/update_s']!,
    };
    const phases = split.rollout_s + split.teacher_s + split.scoring_s + split.update_s;
    return {
      ...split,
      other_s: total - phases,
      total_s: total,
      rollout_tokens: Math.round(m['throughput/rollout_tokens_per_s']! * m['timing/rollout_s']!),
      /** rows x padded length the update processed */
      train_tokens: Math.round(m['throughput/train_tokens_per_s']! * m['timing/update_s']!),
      guided: r.trajectories.filter((t) => t.guided).length,
      finished: r.trajectories.filter((t) => t.finished).length,
      micro_batches: m['update/micro_batches'] ?? 0,
    };
  };
  try {
    const warm = plan.warmup === false ? null : await watchingKernels(true, peak, one);
    if (warm) log(`${tag}: warm-up ${warm.total_s.toFixed(1)} s`);
    const steps: OneStep[] = [];
    for (let i = 1; i <= plan.reps; i++) {
      const s = await watchingKernels(!warm && i === 1, peak, one);
      steps.push(s);
      log(
        `${tag}: run ${i}/${plan.reps} ${s.total_s.toFixed(2)} s (rollout ${s.rollout_s.toFixed(2)}, teacher ${s.teacher_s.toFixed(2)}, scoring ${s.scoring_s.toFixed(2)}, update ${s.update_s.toFixed(2)} in ${s.micro_batches} micro-batches)`,
      );
    }
    const med = (k: keyof StepSplit) => round(median(steps.map((s) => s[k])), 3);
    const medianSplit: StepSplit = {
      rollout_s: med('rollout_s'),
      teacher_s: med('teacher_s'),
      scoring_s: med('scoring_s'),
      update_s: med('update_s'),
      other_s: med('other_s'),
      total_s: med('total_s'),
    };
    const sum = (k: 'rollout_tokens' | 'train_tokens' | 'rollout_s' | 'update_s') =>
      steps.reduce((a, s) => a + s[k], 0);
    return {
      B: preset.B,
      G: preset.G,
      maxNewTokens: config.rl.maxNewTokens,
      miniBatches: config.rl.miniBatches,
      gradAccum: config.rl.gradAccum ?? 1,
      algo: config.rl.algo,
      median: medianSplit,
      steps: steps.map((s) => ({
        ...s,
        rollout_s: round(s.rollout_s, 3),
        teacher_s: round(s.teacher_s, 3),
        scoring_s: round(s.scoring_s, 3),
        update_s: round(s.update_s, 3),
        other_s: round(s.other_s, 3),
        total_s: round(s.total_s, 3),
      })),
      warmup_s: warm ? round(warm.total_s, 2) : null,
      rollout_tokens_per_s: round(sum('rollout_tokens') / sum('rollout_s')),
      update_tokens_per_s: round(sum('train_tokens') / sum('update_s')),
      peak: peak.peak(),
    };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
