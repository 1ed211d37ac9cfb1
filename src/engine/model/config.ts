/** Shape of the student transformer. Flat and explicit, nanoGPT style. */
export interface ModelConfig {
  /** Number of token ids (the tokenizer's vocabSize). */
  vocab: number;
  /** Width of the residual stream. Must be divisible by `heads`. */
  dModel: number;
  /** Number of transformer blocks. */
  layers: number;
  /** Attention heads per block; head size = dModel / heads. */
  heads: number;
  /** Longest sequence (prompt + response) the learned positions cover. */
  context: number;
  /** MLP hidden width = mlpRatio * dModel (GPT-2 uses 4). */
  mlpRatio: number;
  /**
   * Position signal: 'learned' (GPT-2's wpe added to the input, the default) or 'rope' (rotary
   * embeddings on q and k, relative; wpe stays in the checkpoint but is unused and untrained).
   */
  positions?: 'learned' | 'rope';
}

/** Throws a message naming the bad field and the fix. */
export function validateModelConfig(c: ModelConfig): void {
  const positive: Array<Exclude<keyof ModelConfig, 'positions'>> = [
    'vocab',
    'dModel',
    'layers',
    'heads',
    'context',
    'mlpRatio',
  ];
  for (const k of positive) {
    const v = c[k];
    if (!Number.isInteger(v) || v <= 0) {
      throw new Error(`model.${k} must be a positive integer (got ${String(v)}).`);
    }
  }
  if (c.positions !== undefined && c.positions !== 'learned' && c.positions !== 'rope') {
    throw new Error(`model.positions must be "learned" or "rope" (got "${String(c.positions)}").`);
  }
  if (c.positions === 'rope' && (c.dModel / c.heads) % 2 !== 0) {
    throw new Error(
      `model.positions "rope" needs an even head size (dModel / heads = ${c.dModel / c.heads}); change dModel or heads.`,
    );
  }
  if (c.dModel % c.heads !== 0) {
    throw new Error(
      `model.dModel (${c.dModel}) must be divisible by model.heads (${c.heads}); pick heads from the divisors of dModel.`,
    );
  }
}

/** Number of trainable parameters for a config (tied head: no separate output matrix). */
export function countParameters(c: ModelConfig): number {
  const d = c.dModel;
  const h = c.mlpRatio * d;
  const block = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * h + h) + (h * d + d);
  const positions = c.positions === 'rope' ? 0 : c.context * d; // RoPE: wpe is not trained
  return c.vocab * d + positions + c.layers * block + 2 * d;
}
