import type { ModelConfig } from '../src/engine/model/config';

/** Model sizes the benchmark knows (vocab 96 = the lab's char tokenizer). */
export const PRESETS = {
  tiny: { vocab: 96, dModel: 64, layers: 2, heads: 4, context: 256, mlpRatio: 4 },
  lab: { vocab: 96, dModel: 256, layers: 4, heads: 8, context: 512, mlpRatio: 4 },
} satisfies Record<string, ModelConfig>;
export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(s: string): s is PresetName {
  return (PRESET_NAMES as string[]).includes(s);
}
