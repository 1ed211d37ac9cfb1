/**
 * Runs one preset's planned parts on the active tfjs backend. Shared by Node (bench/node.ts) and
 * the browser worker (bench/bench.worker.ts); a part that fails is reported and the rest still run.
 */
import * as tf from '@tensorflow/tfjs';
import { countParameters, type ModelConfig } from '../src/engine/model/config';
import type { LlamaConfig } from '../src/engine/model/llamaConfig';
import type { LoraOptions } from '../src/engine/model/lora';
import type { PresetPlan } from './plan';
import { loadBenchPreset, type PresetName } from './presets';
import { runSampling, type SamplingResult } from './sampling';
import { runScaling, type ScalingResult } from './scaling';
import { PEAK_METHOD } from './stats';
import { summaryRow } from './summary';
import { runRlStep, type RlStepResult } from './step';
import { runTrain, type TrainResult } from './train';
import { runSftSteps, type SftStepResult } from './sftStep';
import type { ReadStudentFile } from '../src/engine/students/load';

export interface PresetResult {
  backend: string;
  preset: PresetName;
  /** The student's shape: the scratch model's, or a real-size student's (Llama/Qwen2). */
  model: ModelConfig | LlamaConfig;
  params: number;
  /** Real-size students: the LoRA settings and how many parameters they train. */
  lora: (LoraOptions & { trainable_params: number }) | null;
  /** Set when the workload is smaller than the stated one (see plan.ts): why. */
  reduced: string | null;
  B: number;
  G: number;
  rows: number;
  sampling: SamplingResult | null;
  train: TrainResult | null;
  rl_step: RlStepResult | null;
  scaling: ScalingResult | null;
  sft: SftStepResult | null;
  peak_method: string;
  /** Part name -> error message, for parts that failed. */
  errors: Record<string, string>;
  notes: string[];
}

/** Summary-row fields that name the run rather than measure it (left out of the progress line). */
const NOT_FIGURES = new Set(['where', 'backend', 'preset', 'reduced']);

export async function runPreset(
  plan: PresetPlan,
  log: (msg: string) => void = () => {},
  sets: readonly string[] = [],
  readStudentFile?: ReadStudentFile,
): Promise<PresetResult> {
  const preset = await loadBenchPreset(plan.preset, sets, readStudentFile);
  const out: PresetResult = {
    backend: tf.getBackend(),
    preset: plan.preset,
    model: preset.realSize?.llama ?? preset.model,
    params: preset.realSize?.parameters ?? countParameters(preset.model),
    lora: preset.realSize
      ? { ...preset.realSize.lora, trainable_params: preset.realSize.trainableParameters }
      : null,
    reduced: plan.reduced ?? null,
    B: preset.B,
    G: preset.G,
    rows: preset.rows,
    sampling: null,
    train: null,
    rl_step: null,
    scaling: null,
    sft: null,
    peak_method: PEAK_METHOD,
    errors: {},
    notes: [...plan.notes, ...(sets.length ? [`config overrides: ${sets.join(' ')}`] : [])],
  };
  const part = async <T>(name: string, run: () => Promise<T>): Promise<T | null> => {
    const tensors = tf.memory().numTensors;
    try {
      const result = await run();
      // The headline figures so far, as they come: a run cut short (a time-boxed GPU call) keeps them.
      const row = summaryRow('node', { ...out, [name]: result });
      const figures = Object.entries(row).filter(([k, v]) => v !== null && !NOT_FIGURES.has(k));
      log(
        `[${out.backend}/${plan.preset}] ${name} done: ${JSON.stringify(Object.fromEntries(figures))}`,
      );
      return result;
    } catch (e) {
      out.errors[name] = e instanceof Error ? e.message : String(e);
      log(`[${out.backend}/${plan.preset}] ${name} failed: ${out.errors[name]}`);
      // where it failed, for the log only (the JSON keeps the message)
      if (e instanceof Error && e.stack) log(e.stack.split('\n').slice(1, 9).join('\n'));
      return null;
    } finally {
      const left = tf.memory().numTensors - tensors;
      if (left !== 0) out.notes.push(`${name}: ${left} tensors left alive after the part`);
    }
  };
  if (plan.sampling)
    out.sampling = await part('sampling', () => runSampling(preset, plan.sampling!, log));
  if (plan.train) out.train = await part('train', () => runTrain(preset, plan.train!, log));
  if (plan.step) out.rl_step = await part('rl_step', () => runRlStep(preset, plan.step!, log));
  if (plan.scaling)
    out.scaling = await part('scaling', () => runScaling(preset, plan.scaling!, log));
  if (plan.sft) out.sft = await part('sft', () => runSftSteps(preset, plan.sft!, log));
  preset.shipped?.dispose();
  return out;
}
