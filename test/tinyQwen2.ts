/**
 * A small Qwen2-shaped Llama config for tests: GQA with 4 query heads over 2 kv heads, q/k/v
 * biases, a tied head, parsed by the same hf/config.ts as a downloaded config.json.
 */
import { llamaConfigFromHf } from '../src/engine/hf/config';
import type { LlamaConfig } from '../src/engine/model/llamaConfig';

export function tinyQwen2(size: {
  vocab: number;
  hidden: number;
  intermediate: number;
  layers: number;
  context: number;
}): LlamaConfig {
  return llamaConfigFromHf({
    model_type: 'qwen2',
    architectures: ['Qwen2ForCausalLM'],
    vocab_size: size.vocab,
    hidden_size: size.hidden,
    intermediate_size: size.intermediate,
    num_hidden_layers: size.layers,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    hidden_act: 'silu',
    max_position_embeddings: size.context,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: true,
  });
}
