/**
 * The student the next run will train, read from the config alone (no tfjs, no data): the Model
 * panel shows it before Start, so it matches the preset picked rather than the worker's
 * placeholder model. Pure; plannedStudent.test.ts checks it against the students the worker
 * builds.
 */
import { OPTIONAL_DEFAULTS } from '../contract/configDefaults';
import type { RunConfig } from '../contract/config';

export interface PlannedStudent {
  /** Trainable parameters (null when they depend on a vocabulary only the data decides). */
  parameters: number | null;
  /** Parameters without the vocabulary's rows: the floor when `parameters` is null. */
  parametersWithoutVocab: number;
  layers: number;
  dModel: number;
  heads: number;
  context: number;
  tokenizer: RunConfig['tokenizer']['kind'];
  /** The vocabulary (BPE: its size; char: null, set by the data's characters at start). */
  vocab: number | null;
  /** Where its weights come from, in words. */
  origin: string;
}

/**
 * Parameters of the lab's transformer (model/params.ts): tied embeddings [V, d], learned
 * positions [C, d] (none with RoPE), per block two LayerNorms, qkv, output and the MLP with
 * biases, and the final LayerNorm.
 */
export function transformerParameters(m: RunConfig['model'], vocab: number): number {
  const d = m.dModel;
  const h = m.mlpRatio * d;
  const block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (d * h + h) + (h * d + d);
  const positions = m.positions === 'rope' ? 0 : m.context * d;
  return vocab * d + positions + m.layers * block + 2 * d;
}

/**
 * What a char tokenizer's vocabulary depends on (the data's characters: LabSession's
 * plan-student builds it once per key and the page keeps the answer).
 */
export function studentPlanKey(c: RunConfig): string {
  return JSON.stringify([
    c.tokenizer,
    c.data,
    c.sft.selfCheckRate ?? OPTIONAL_DEFAULTS.sft.selfCheckRate,
    c.seed,
  ]);
}

/**
 * The next run's student, or null when it is a pretrained model (the Model panel loads it).
 * `charVocab`: a char tokenizer's vocabulary when the worker has counted it (plan-student).
 */
export function plannedStudent(c: RunConfig, charVocab?: number | null): PlannedStudent | null {
  if (c.student.source !== 'scratch') return null;
  const vocab = c.tokenizer.kind === 'bpe' ? c.tokenizer.vocabSize : (charVocab ?? null);
  const origin = c.student.init
    ? `shipped warm-up student "${c.student.init}"`
    : c.sft.steps > 0
      ? `fresh (seed ${c.seed}), then ${c.sft.steps} warm-up steps`
      : `fresh (seed ${c.seed}), no warm-up`;
  return {
    parameters: vocab === null ? null : transformerParameters(c.model, vocab),
    parametersWithoutVocab: transformerParameters(c.model, 0),
    layers: c.model.layers,
    dModel: c.model.dModel,
    heads: c.model.heads,
    context: c.model.context,
    tokenizer: c.tokenizer.kind,
    vocab,
    origin,
  };
}
