/**
 * Real-size students for the benchmark: the exact shapes of SmolLM2-135M and Qwen2.5-0.5B (their
 * config.json fields, parsed by the lab's own hf/config.ts), with seeded random weights built in
 * memory (nothing is downloaded), trained as the pretrained path trains them: LoRA on a frozen
 * base with the lab preset's settings (student.loraRank / loraAlpha / loraTargets).
 *
 * The tokenizer is the tiny Qwen2 fixture's (test/fixtures/hf/tiny-qwen2: byte-level BPE, 329
 * tokens, a Qwen chat template), bundled as JSON so the browser worker has it too. The model's
 * vocabulary is the real one; ids past the tokenizer's decode to nothing. Random weights rarely
 * sample EOS (about 1 in the vocabulary per token), so every rollout runs the full
 * rl.maxNewTokens, as a long-reasoning student's would.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../src/contract/config';
import { presetConfig } from '../src/contract/presets';
import { llamaConfigFromHf, type HfConfigJson } from '../src/engine/hf/config';
import { loraOptionsFromConfig } from '../src/engine/hf/student';
import { HfTokenizer } from '../src/engine/hf/tokenizer';
import { LlamaModel } from '../src/engine/model/llama';
import {
  llamaParameterCount,
  llamaWeightShapes,
  type LlamaConfig,
} from '../src/engine/model/llamaConfig';
import { loraParameterCount, type LoraOptions } from '../src/engine/model/lora';
import fixtureGeneration from '../test/fixtures/hf/tiny-qwen2/generation_config.json';
import fixtureTokenizer from '../test/fixtures/hf/tiny-qwen2/tokenizer.json';
import fixtureTokenizerConfig from '../test/fixtures/hf/tiny-qwen2/tokenizer_config.json';

export const REAL_SIZE_NAMES = ['smollm2-135m', 'qwen2.5-0.5b'] as const;
export type RealSizeName = (typeof REAL_SIZE_NAMES)[number];

export function isRealSizeName(s: string): s is RealSizeName {
  return (REAL_SIZE_NAMES as readonly string[]).includes(s);
}

/** The fields of the models' config.json that decide the shape (Hugging Face Hub, main). */
export const REAL_SIZE_HF_CONFIGS: Record<RealSizeName, HfConfigJson> = {
  // HuggingFaceTB/SmolLM2-135M(-Instruct)
  'smollm2-135m': {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    vocab_size: 49152,
    hidden_size: 576,
    intermediate_size: 1536,
    num_hidden_layers: 30,
    num_attention_heads: 9,
    num_key_value_heads: 3,
    hidden_act: 'silu',
    max_position_embeddings: 8192,
    rms_norm_eps: 1e-5,
    rope_theta: 100000,
    rope_scaling: null,
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
  },
  // Qwen/Qwen2.5-0.5B(-Instruct)
  'qwen2.5-0.5b': {
    model_type: 'qwen2',
    architectures: ['Qwen2ForCausalLM'],
    vocab_size: 151936,
    hidden_size: 896,
    intermediate_size: 4864,
    num_hidden_layers: 24,
    num_attention_heads: 14,
    num_key_value_heads: 2,
    hidden_act: 'silu',
    max_position_embeddings: 32768,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000,
    use_sliding_window: false,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
  },
};

/** The lab preset whose RL and LoRA settings each real-size student trains with. */
export const LAB_PRESET: Record<RealSizeName, string> = {
  'smollm2-135m': 'smollm2-135m-instruct',
  'qwen2.5-0.5b': 'qwen2.5-0.5b-instruct',
};

/** The measured workload: B x G = 4 x 4 rollouts of 256 new tokens (the lab presets use 2 x 4). */
export const REAL_SIZE_RL = { questionsPerStep: 4, groupSize: 4, maxNewTokens: 256 } as const;

export function realSizeLlamaConfig(name: RealSizeName): LlamaConfig {
  return llamaConfigFromHf(REAL_SIZE_HF_CONFIGS[name]);
}

/**
 * The lab preset's config with the bench's B x G and response length. rl.miniBatches keeps the
 * preset's rows per update (SmolLM2: 8 rows / 4 = 2; Qwen2.5: 8 / 8 = 1), the setting that bounds
 * the update's and scoring's memory: 16 rows / 2 = 8 and 16 / 1 = 16 mini-batches.
 */
export function realSizeRunConfig(name: RealSizeName): RunConfig {
  const c = presetConfig(LAB_PRESET[name]);
  const rowsPerUpdate = Math.ceil((c.rl.questionsPerStep * c.rl.groupSize) / c.rl.miniBatches);
  const rows = REAL_SIZE_RL.questionsPerStep * REAL_SIZE_RL.groupSize;
  c.rl = { ...c.rl, ...REAL_SIZE_RL, miniBatches: Math.ceil(rows / rowsPerUpdate) };
  return c;
}

/** The fixture tokenizer (see the header): Qwen2 chat format, byte-level BPE. */
export function realSizeTokenizer(): HfTokenizer {
  return new HfTokenizer({
    tokenizerJson: fixtureTokenizer as unknown as Record<string, unknown>,
    tokenizerConfig: fixtureTokenizerConfig as unknown as Record<string, unknown>,
    generationConfig: fixtureGeneration as unknown as Record<string, unknown>,
    modelConfig: null,
    chatTemplate: null,
  });
}

/** HF's initializer_range: weights ~ N(0, 0.02); here uniform with that std, U(-0.02*sqrt(3), +). */
export const INIT_STD = 0.02;

/** Fills `out` with U(-a, a) from a 32-bit xorshift (fast: ~0.5 G values in a second or two). */
export function fillUniform(out: Float32Array, a: number, seed: number): void {
  let s = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 * a - a; // u in [0, 1) -> [-a, a)
  }
}

/**
 * A LlamaModel of the config with seeded random weights: matrices and biases U(-a, a) with
 * std INIT_STD, RMSNorm weights 1. One tensor at a time (the largest, Qwen's embedding, is
 * 545 MB); `lora` null builds it frozen.
 */
export function randomLlama(c: LlamaConfig, lora: LoraOptions | null, seed: number): LlamaModel {
  const a = INIT_STD * Math.sqrt(3);
  const tensors = new Map<string, tf.Tensor>();
  let k = 0;
  try {
    for (const [name, shape] of llamaWeightShapes(c)) {
      const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
      if (name.endsWith('norm.weight')) data.fill(1);
      else fillUniform(data, a, seed * 7919 + ++k);
      tensors.set(name, tf.tensor(data, shape, 'float32'));
    }
  } catch (e) {
    tensors.forEach((t) => t.dispose());
    throw e;
  }
  return LlamaModel.fromTensors(c, tensors, lora ? { lora } : { lora: null, frozen: true });
}

/** What the bench needs of a real-size student. */
export interface RealSizeStudent {
  name: RealSizeName;
  llama: LlamaConfig;
  lora: LoraOptions;
  parameters: number;
  trainableParameters: number;
  /** A fresh student: random base (seeded) + fresh adapters, as a run's Start makes. */
  build(): LlamaModel;
}

export function realSizeStudent(name: RealSizeName, config: RunConfig): RealSizeStudent {
  const llama = realSizeLlamaConfig(name);
  const lora = loraOptionsFromConfig(config);
  if (!lora)
    throw new Error(`${name}: the bench trains real-size students with LoRA (student.lora=true)`);
  return {
    name,
    llama,
    lora,
    parameters: llamaParameterCount(llama),
    trainableParameters: loraParameterCount(llama, lora),
    build: () => randomLlama(llama, lora, 1234),
  };
}
