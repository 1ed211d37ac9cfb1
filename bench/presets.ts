/**
 * The benchmark's presets are the lab's own (src/contract/presets.ts): the student's dimensions,
 * the vocabulary of the tokenizer the preset trains, and its batch shape B questions x G rollouts.
 */
import { applyOverride, type RunConfig } from '../src/contract/config';
import { buildTokenizer, loadItems } from '../src/engine/eval/sources';
import type { ModelConfig } from '../src/engine/model/config';
import { presetConfig } from '../src/contract/presets';
import type { TaskItem } from '../src/engine/tasks/types';
import type { Tokenizer } from '../src/engine/tokenizer';
import type { TransformerModel } from '../src/engine/model/transformer';
import { loadRunStudent, type ReadStudentFile } from '../src/engine/students/load';

export const PRESET_NAMES = ['cpu', 'tiny', 'unknown-behavior', 'lab'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
/** What a bare `npm run bench` measures (the others with --presets). */
export const DEFAULT_PRESETS: PresetName[] = ['tiny', 'lab'];

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
  };
}

/** The model with its learned positions extended to cover `tokens` (compute is unchanged). */
export function withContext(model: ModelConfig, tokens: number): ModelConfig {
  return { ...model, context: Math.max(model.context, tokens) };
}
