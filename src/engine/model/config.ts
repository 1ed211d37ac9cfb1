import { z } from 'zod';
import { ModelSchema, type ModelShape } from '../../contract/config';

/**
 * Shape of the student transformer: the config's `model` section (ModelSchema, where each field
 * is described once) plus the vocabulary size, which the tokenizer decides.
 */
export type ModelConfig = ModelShape & {
  /** Number of token ids (the tokenizer's vocabSize). */
  vocab: number;
};

/** The integer fields, in the schema's order after vocab (the first bad one is reported). */
const POSITIVE_FIELDS = [
  'vocab',
  ...Object.keys(ModelSchema.shape).filter(
    (k) => ModelSchema.shape[k as keyof ModelShape] instanceof z.ZodNumber,
  ),
] as Array<Exclude<keyof ModelConfig, 'positions'>>;

/** The position signals the schema allows. */
const POSITIONS: readonly string[] = ModelSchema.shape.positions.unwrap().options;

/** Throws a message naming the bad field and the fix. */
export function validateModelConfig(c: ModelConfig): void {
  for (const k of POSITIVE_FIELDS) {
    const v = c[k];
    if (!Number.isInteger(v) || v <= 0) {
      throw new Error(`model.${k} must be a positive integer (got ${String(v)}).`);
    }
  }
  if (c.positions !== undefined && !POSITIONS.includes(c.positions)) {
    throw new Error(
      `model.positions must be ${POSITIONS.map((p) => `"${p}"`).join(' or ')} (got "${String(c.positions)}").`,
    );
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
