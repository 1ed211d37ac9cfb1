/**
 * Hugging Face config.json -> LlamaConfig. Supported: `model_type` "llama" (Llama 2/3,
 * SmolLM2, TinyLlama, ...) and "qwen2" (Qwen2, Qwen2.5). Anything the lab cannot run the same
 * way as PyTorch is refused with a message naming the field and what is supported.
 */
import type { LlamaConfig } from '../model/llamaConfig';
import type { RopeScaling } from '../model/rope';

/** The fields of config.json the lab reads (others are ignored). */
export interface HfConfigJson {
  model_type?: string;
  architectures?: string[];
  vocab_size?: number;
  hidden_size?: number;
  intermediate_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  num_key_value_heads?: number;
  head_dim?: number;
  hidden_act?: string;
  max_position_embeddings?: number;
  rms_norm_eps?: number;
  rope_theta?: number;
  rope_scaling?: Record<string, unknown> | null;
  attention_bias?: boolean;
  mlp_bias?: boolean;
  tie_word_embeddings?: boolean;
  use_sliding_window?: boolean;
  torch_dtype?: string;
  bos_token_id?: number | number[] | null;
  eos_token_id?: number | number[] | null;
  pad_token_id?: number | null;
  [key: string]: unknown;
}

/** A config.json the lab cannot use; the message names the field. */
export class HfConfigError extends Error {
  constructor(message: string) {
    super(`config.json: ${message}`);
    this.name = 'HfConfigError';
  }
}

export const SUPPORTED_MODEL_TYPES = ['llama', 'qwen2'] as const;

/** Parses config.json text (or an already parsed object). */
export function parseHfConfigJson(input: string | unknown): HfConfigJson {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new HfConfigError(`not valid JSON (${(e as Error).message}).`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HfConfigError('expected a JSON object.');
  return value as HfConfigJson;
}

function positiveInt(j: HfConfigJson, key: keyof HfConfigJson): number {
  const v = j[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new HfConfigError(
      `"${String(key)}" must be a positive integer (got ${JSON.stringify(v)}).`,
    );
  return v;
}

function positiveNumber(j: Record<string, unknown>, key: string, fallback?: number): number {
  const v = j[key] ?? fallback;
  if (typeof v !== 'number' || !(v > 0))
    throw new HfConfigError(`"${key}" must be a positive number (got ${JSON.stringify(v)}).`);
  return v;
}

function ropeScaling(raw: Record<string, unknown> | null | undefined): RopeScaling | null {
  if (raw === null || raw === undefined) return null;
  const type = (raw.rope_type ?? raw.type) as string | undefined;
  if (type === undefined || type === 'default') return null;
  const factor = positiveNumber(raw, 'factor');
  if (type === 'linear') return { type: 'linear', factor };
  if (type === 'llama3') {
    const lowFreqFactor = positiveNumber(raw, 'low_freq_factor');
    const highFreqFactor = positiveNumber(raw, 'high_freq_factor');
    if (highFreqFactor <= lowFreqFactor)
      throw new HfConfigError('"rope_scaling.high_freq_factor" must exceed low_freq_factor.');
    return {
      type: 'llama3',
      factor,
      lowFreqFactor,
      highFreqFactor,
      originalContext: positiveNumber(raw, 'original_max_position_embeddings'),
    };
  }
  throw new HfConfigError(
    `"rope_scaling" type "${type}" is not supported (supported: default, linear, llama3).`,
  );
}

/**
 * The model shape of a config.json. `maxContext` caps max_position_embeddings (a browser
 * cannot hold 32k-token attention anyway); the cap changes nothing in the math.
 */
export function llamaConfigFromHf(input: string | unknown, maxContext?: number): LlamaConfig {
  const j = parseHfConfigJson(input);
  const type = j.model_type;
  if (type !== 'llama' && type !== 'qwen2') {
    throw new HfConfigError(
      `"model_type" ${JSON.stringify(type)} is not supported; the lab runs ${SUPPORTED_MODEL_TYPES.join(' and ')} models (e.g. SmolLM2, Llama 3, Qwen2.5).`,
    );
  }
  const act = j.hidden_act ?? 'silu';
  if (act !== 'silu')
    throw new HfConfigError(`"hidden_act" "${act}" is not supported (only silu, i.e. SwiGLU).`);
  if (j.mlp_bias === true)
    throw new HfConfigError('"mlp_bias": true is not supported (MLP layers without biases only).');
  if (type === 'qwen2' && j.use_sliding_window === true) {
    throw new HfConfigError(
      '"use_sliding_window": true is not supported; the lab attends over the whole context.',
    );
  }
  const hidden = positiveInt(j, 'hidden_size');
  const heads = positiveInt(j, 'num_attention_heads');
  const kvHeads =
    j.num_key_value_heads === undefined ? heads : positiveInt(j, 'num_key_value_heads');
  if (heads % kvHeads !== 0) {
    throw new HfConfigError(
      `"num_attention_heads" (${heads}) must be a multiple of "num_key_value_heads" (${kvHeads}).`,
    );
  }
  const headDim = j.head_dim === undefined || j.head_dim === null ? hidden / heads : j.head_dim;
  if (!Number.isInteger(headDim) || headDim <= 0 || headDim % 2 !== 0) {
    throw new HfConfigError(
      `head size ${headDim} (head_dim or hidden_size / num_attention_heads) must be an even integer.`,
    );
  }
  const attentionBias = j.attention_bias === true;
  const fullContext = positiveInt(j, 'max_position_embeddings');
  return {
    architecture: type,
    vocab: positiveInt(j, 'vocab_size'),
    hidden,
    intermediate: positiveInt(j, 'intermediate_size'),
    layers: positiveInt(j, 'num_hidden_layers'),
    heads,
    kvHeads,
    headDim,
    context: maxContext ? Math.min(fullContext, maxContext) : fullContext,
    rmsEps: positiveNumber(j, 'rms_norm_eps', 1e-6),
    rope: { theta: positiveNumber(j, 'rope_theta', 10000), scaling: ropeScaling(j.rope_scaling) },
    qkvBias: type === 'qwen2' || attentionBias,
    oBias: type === 'llama' && attentionBias,
    // LlamaConfig and Qwen2Config both default to an untied head.
    tiedHead: j.tie_word_embeddings ?? false,
  };
}
