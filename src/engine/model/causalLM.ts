import type * as tf from '@tensorflow/tfjs';
import type { ForwardOptions, ForwardResult } from './transformer';

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
  /** The variables an optimizer updates (with LoRA: the adapters only). */
  variables(): tf.Variable[];
  /** Every weight by name, read back to the CPU (for checkpoints). */
  toArrays(): Promise<Map<string, Float32Array>>;
  /** A frozen copy with the current weights (the KL reference). */
  clone(): CausalLM;
  dispose(): void;
}
