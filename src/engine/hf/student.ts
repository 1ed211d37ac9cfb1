import type { RunConfig } from '../../contract/config';
import type { LoraOptions } from '../model/lora';
import { loadHfModel, type LoadedHfModel } from './load';
import { type HfLoadProgress } from '../../contract/pretrained';
import type { HfSource } from './source';

/** The LoRA settings of a run (null: full fine-tuning). Adapters are seeded by the run's seed. */
export function loraOptionsFromConfig(c: RunConfig): LoraOptions | null {
  const s = c.student;
  if (!s.lora) return null;
  return { rank: s.loraRank, alpha: s.loraAlpha, targetModules: s.loraTargets, seed: c.seed };
}

/** True when the run trains a pretrained Hugging Face model rather than a scratch student. */
export function isPretrainedStudent(c: RunConfig): boolean {
  return c.student.source === 'hf';
}

/** Loads the run's pretrained student (model + its own tokenizer) from a model folder. */
export function loadPretrainedStudent(
  c: RunConfig,
  source: HfSource,
  onProgress?: (p: HfLoadProgress) => void,
): Promise<LoadedHfModel> {
  return loadHfModel(source, { lora: loraOptionsFromConfig(c), onProgress });
}
