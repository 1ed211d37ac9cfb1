import type * as tf from '@tensorflow/tfjs';

/** Keys and values of one layer for the tokens seen so far. */
/** (A type, not an interface: tf.tidy may return it.) */
export type LayerKV = {
  k: tf.Tensor4D; // [B, H, S, hd]
  v: tf.Tensor4D; // [B, H, S, hd]
  /**
   * Set when the cache is preallocated to a capacity and written in place (fused WebGPU
   * decoding): the positions filled. Absent: all of axis 2.
   */
  length?: number;
  /**
   * Fused WebGPU decoding's layout: k and v are one tensor [B, H, capacity, 2 hd] (k === v),
   * keys in lanes [0, hd) and values in [hd, 2 hd); fusedDecode.ts' filledKV reads both parts.
   */
  interleaved?: boolean;
};

/** f on each tensor of a layer's cache: once when k and v are one tensor (interleaved). */
export function mapKV(kv: LayerKV, f: (t: tf.Tensor4D) => tf.Tensor4D): LayerKV {
  if (kv.k === kv.v) {
    const t = f(kv.k);
    return { ...kv, k: t, v: t };
  }
  return { ...kv, k: f(kv.k), v: f(kv.v) };
}

export interface StepDecoderOptions {
  /** Keys a row can hold: the prompt's columns plus the new tokens (<= model.context). */
  capacity: number;
  /** Softmax temperature; 0 = greedy. */
  temperature: number;
}

/**
 * Decodes a batch one step at a time on the device. Rows follow sample()'s layout: prompts
 * left-padded to a common length P, so row b's keys before length - 1 - positions[b] are padding.
 */
export interface StepDecoder {
  /**
   * Queues one step: feeds `tokens` [n] (each row's last pick) at `positions` [n], with `length`
   * keys per row after it, and returns the ids picked for the next token [n] (float32, on the
   * device; read them or pass them to the next step). noise: Gumbel noise [n * V] when sampling.
   */
  step(
    tokens: tf.Tensor1D,
    positions: Int32Array,
    length: number,
    noise: Float32Array | null,
  ): tf.Tensor1D;
  /** Keeps only these rows (indices into the current batch), in this order. */
  keepRows(rows: tf.Tensor1D): void;
  dispose(): void;
}

/** Options of `CausalLM.forward`. */
export interface ForwardOptions {
  /** Position id per token [B, T] (int32). Default: pastLength + 0..T-1 for every row. */
  positions?: tf.Tensor2D;
  /**
   * Additive attention bias broadcastable to [B, H, T, S] (0 = attend, -1e9 = blocked).
   * Default: causal over past + current tokens.
   */
  bias?: tf.Tensor;
  /** Cached keys/values per layer from earlier tokens. */
  past?: LayerKV[];
  /**
   * Embedding lookup: 'gather' (no gradient on wasm) or 'onehot' (the same gather with the
   * one-hot product onehot(tokens)^T dY as its gradient: differentiable on every backend).
   * Default 'onehot'.
   */
  embed?: 'gather' | 'onehot';
  /**
   * Activation checkpointing (LoRA models without a cache): the tape keeps each block's input
   * only and the backward pass recomputes the block, so training holds one block's activations
   * instead of all of them. `frozenHeadForward` turns it on unless this is false.
   */
  checkpoint?: boolean;
  /** Only compute logits for the last position (decoding). */
  lastOnly?: boolean;
  /**
   * Probe (bench, tests): called before block l runs and with l = layers after the last, so a
   * counter can attribute work to each block. Does not change what is computed.
   */
  onLayer?: (layer: number) => void;
}

/** Logits and the per-layer keys/values of `CausalLM.forward`. */
export interface ForwardResult {
  logits: tf.Tensor3D; // [B, T or 1, V]
  present: LayerKV[]; // per layer, [B, H, S_past + T, hd]
}

/** What every student architecture shares: enough for sampling, scoring and training. */
export interface CausalLMShape {
  /** Number of token ids the head scores. */
  vocab: number;
  /** Longest sequence (prompt + response) the model accepts. */
  context: number;
}

/**
 * A decoder-only language model the engine can sample from, score and train:
 * the lab's GPT-2-shaped TransformerModel and the Hugging Face Llama/Qwen2 models.
 * `forward` follows TransformerModel's contract: tokens [B, T] -> logits [B, T (or 1), V]
 * plus per-layer keys/values (opaque to callers; only passed back as `past`).
 */
export interface CausalLM {
  readonly config: CausalLMShape;
  /** Full or cached forward pass. Call inside tf.tidy or dispose the result. */
  forward(tokens: tf.Tensor2D, opts?: ForwardOptions): ForwardResult;
  /**
   * Optional: the final normalised hidden states [B*T, d] and the head [d, V], when the head gets
   * no gradient (LoRA, frozen base): scoring then runs the head in row chunks
   * (fusedOps.frozenHeadScores) and never holds [B, T, V] logits. null when the head trains.
   */
  frozenHeadForward?(
    tokens: tf.Tensor2D,
    opts?: ForwardOptions,
  ): { hidden: tf.Tensor2D; head: tf.Tensor2D } | null;
  /** The variables an optimizer updates (with LoRA: the adapters only). */
  variables(): tf.Variable[];
  /** Every weight by name, read back to the CPU (for checkpoints). */
  toArrays(): Promise<Map<string, Float32Array>>;
  /** A frozen copy with the current weights (the KL reference). */
  clone(): CausalLM;
  /**
   * Optional: a decoder that runs sample()'s steps on the device from the prefill's caches
   * (`past`, not consumed), or null where it does not apply; then sample() steps forward().
   */
  openStepDecoder?(past: LayerKV[], o: StepDecoderOptions): StepDecoder | null;
  /** Optional: frees what decoding built for itself (LoRA merged into the weights). */
  releaseDecodeCache?(): void;
  dispose(): void;
}
