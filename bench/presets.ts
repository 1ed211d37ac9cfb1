/**
 * The benchmark's presets are the lab's own (src/contract/presets.ts): the student's dimensions,
 * the vocabulary of the tokenizer the preset trains, and its batch shape B questions x G rollouts.
 * `smollm2-135m` and `qwen2.5-0.5b` are real-size pretrained students (bench/realSize.ts): those
 * models' exact shapes with random weights, trained with LoRA as the pretrained path trains them.
 */
import { applyOverride, type RunConfig } from '../src/contract/config';
import { buildTokenizer, loadItems } from '../src/engine/eval/sources';
import type { ModelConfig } from '../src/engine/model/config';
import { presetConfig } from '../src/contract/presets';
import type { TaskItem } from '../src/engine/tasks/types';
import type { Tokenizer } from '../src/engine/tokenizer';
import type { TransformerModel } from '../src/engine/model/transformer';
import { loadRunStudent, type ReadStudentFile } from '../src/engine/students/load';
import {
  isRealSizeName,
  REAL_SIZE_NAMES,
  realSizeRunConfig,
  realSizeStudent,
  realSizeTokenizer,
  type RealSizeStudent,
} from './realSize';

export const PRESET_NAMES = ['cpu', 'tiny', 'unknown-behavior', 'lab', ...REAL_SIZE_NAMES] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
/** What a bare `npm run bench` measures (the others with --presets). */
export const DEFAULT_PRESETS: PresetName[] = ['tiny', 'lab', ...REAL_SIZE_NAMES];

export function isPresetName(s: string): s is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(s);
}

export interface BenchPreset {
  name: PresetName;
  config: RunConfig;
  /** The student as the preset builds it (vocab = its tokenizer's). */
  model: ModelConfig;
  /** Questions per step (B) and rollouts per question (G); rows = B x G. */
  B: number;
  G: number;
  rows: number;
  tokenizer: Tokenizer;
  trainItems: TaskItem[];
  /** The preset's shipped warm-up student (student.init), what its RL steps start from. */
  shipped: TransformerModel | null;
  /** A real-size pretrained student (LoRA on a frozen Llama/Qwen2 base), else null. */
  realSize: RealSizeStudent | null;
}

/**
 * Builds the preset's training items and tokenizer (about a second) to learn its vocabulary.
 * `sets` are CLI-style overrides ("model.dModel=64"), applied in order (e.g. to pin an older
 * shape for a before/after comparison).
 */
export async function loadBenchPreset(
  name: PresetName,
  sets: readonly string[] = [],
  readStudentFile?: ReadStudentFile,
): Promise<BenchPreset> {
  if (isRealSizeName(name)) return loadRealSizePreset(name, sets);
  const config = sets.reduce(applyOverride, presetConfig(name));
  const trainItems = (await loadItems(config.data, 'train')).items;
  const shipped = await loadRunStudent(config, readStudentFile);
  const tokenizer = shipped?.tokenizer ?? buildTokenizer(config, trainItems);
  const B = config.rl.questionsPerStep;
  const G = config.rl.groupSize;
  return {
    name,
    config,
    model: { ...config.model, vocab: tokenizer.vocabSize },
    B,
    G,
    rows: B * G,
    tokenizer,
    trainItems,
    shipped: shipped?.model ?? null,
    realSize: null,
  };
}

/**
 * A real-size student's preset: the lab preset's config (LoRA, rl) at the bench's B x G and
 * length, the fixture tokenizer, the model's own shape. `model` is only the config section (the
 * shape is `realSize.llama`); the scratch-model parts (scaling, sft, torch) do not run it.
 */
async function loadRealSizePreset(
  name: Extract<PresetName, (typeof REAL_SIZE_NAMES)[number]>,
  sets: readonly string[],
): Promise<BenchPreset> {
  const config = sets.reduce(applyOverride, realSizeRunConfig(name));
  const trainItems = (await loadItems(config.data, 'train')).items;
  const realSize = realSizeStudent(name, config);
  const B = config.rl.questionsPerStep;
  const G = config.rl.groupSize;
  return {
    name,
    config,
    model: { ...config.model, vocab: realSize.llama.vocab },
    B,
    G,
    rows: B * G,
    tokenizer: realSizeTokenizer(),
    trainItems,
    shipped: null,
    realSize,
  };
}

/** The model with its learned positions extended to cover `tokens` (compute is unchanged). */
export function withContext(model: ModelConfig, tokens: number): ModelConfig {
  return { ...model, context: Math.max(model.context, tokens) };
}
