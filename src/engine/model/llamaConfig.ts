import { LLAMA_LINEAR_MODULES, type LlamaLinear } from '../../contract/llamaModules';
import type { RopeConfig } from './rope';

/**
 * Shape of a Llama-family decoder (Llama 2/3, SmolLM2, Qwen2/2.5), read from a Hugging Face
 * config.json by `hf/config.ts`. Field names are the lab's; the HF key is given beside each.
 */
export interface LlamaConfig {
  /** model_type: Qwen2 is Llama with q/k/v biases. */
  architecture: 'llama' | 'qwen2';
  /** vocab_size: rows of the embedding and the head (may exceed the tokenizer's size). */
  vocab: number;
  /** hidden_size: width of the residual stream. */
  hidden: number;
  /** intermediate_size: SwiGLU width. */
  intermediate: number;
  /** num_hidden_layers */
  layers: number;
  /** num_attention_heads: query heads. */
  heads: number;
  /** num_key_value_heads: grouped-query attention shares each kv head among heads/kvHeads. */
  kvHeads: number;
  /** head_dim (default hidden_size / num_attention_heads). */
  headDim: number;
  /** max_position_embeddings: the longest sequence the lab lets the model see. */
  context: number;
  /** rms_norm_eps */
  rmsEps: number;
  /** rope_theta and rope_scaling. */
  rope: RopeConfig;
  /** q_proj/k_proj/v_proj have biases (Qwen2 always; Llama with attention_bias). */
  qkvBias: boolean;
  /** o_proj has a bias (Llama with attention_bias). */
  oBias: boolean;
  /** tie_word_embeddings: the head is the embedding matrix (no lm_head.weight). */
  tiedHead: boolean;
}

/** Module path of a linear layer, e.g. "model.layers.3.self_attn.q_proj". */
export function linearPath(layer: number, m: LlamaLinear): string {
  const group = m === 'gate_proj' || m === 'up_proj' || m === 'down_proj' ? 'mlp' : 'self_attn';
  return `model.layers.${layer}.${group}.${m}`;
}

/** [out, in] of a linear layer (PyTorch's nn.Linear weight layout). */
export function linearShape(c: LlamaConfig, m: LlamaLinear): [number, number] {
  const q = c.heads * c.headDim;
  const kv = c.kvHeads * c.headDim;
  switch (m) {
    case 'q_proj':
      return [q, c.hidden];
    case 'k_proj':
    case 'v_proj':
      return [kv, c.hidden];
    case 'o_proj':
      return [c.hidden, q];
    case 'gate_proj':
    case 'up_proj':
      return [c.intermediate, c.hidden];
    case 'down_proj':
      return [c.hidden, c.intermediate];
  }
}

/** Every weight tensor the model needs, by its Hugging Face name, with its shape. */
export function llamaWeightShapes(c: LlamaConfig): Map<string, number[]> {
  const out = new Map<string, number[]>([['model.embed_tokens.weight', [c.vocab, c.hidden]]]);
  for (let l = 0; l < c.layers; l++) {
    out.set(`model.layers.${l}.input_layernorm.weight`, [c.hidden]);
    for (const m of LLAMA_LINEAR_MODULES) {
      const [o] = linearShape(c, m);
      out.set(`${linearPath(l, m)}.weight`, linearShape(c, m));
      const biased =
        (c.qkvBias && (m === 'q_proj' || m === 'k_proj' || m === 'v_proj')) ||
        (c.oBias && m === 'o_proj');
      if (biased) out.set(`${linearPath(l, m)}.bias`, [o]);
    }
    out.set(`model.layers.${l}.post_attention_layernorm.weight`, [c.hidden]);
  }
  out.set('model.norm.weight', [c.hidden]);
  if (!c.tiedHead) out.set('lm_head.weight', [c.vocab, c.hidden]);
  return out;
}

/** Number of weights (parameters) of the model. */
export function llamaParameterCount(c: LlamaConfig): number {
  let n = 0;
  for (const shape of llamaWeightShapes(c).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}
