import { parseConfig, type RunConfig } from '../config';
import type { ModelConfig } from '../model/config';
import { redactSecrets } from '../security/redact';
import type { TransformerModel } from '../model/transformer';
import { modelFromSafetensors, modelToSafetensors } from '../model/weights';
import { tokenizerFromJSON, tokenizerToJSONString, type Tokenizer } from '../tokenizer';

/**
 * A checkpoint is a folder of standard files:
 *   model.safetensors  weights (F32, GPT-2 names)
 *   config.json        {model: ModelConfig, run: RunConfig, step}
 *   tokenizer.json     Hugging Face tokenizer
 *   trainer_state.safetensors  RL only: optimizer moments, RNG, data order, KL reference
 *                      (loop/trainerState.ts); what makes a resumed run continue exactly
 */
export interface CheckpointFiles {
  'model.safetensors': Uint8Array;
  'config.json': string;
  'tokenizer.json': string;
  'trainer_state.safetensors'?: Uint8Array;
}

export interface CheckpointMeta {
  model: ModelConfig;
  run: RunConfig;
  step: number;
}

export async function checkpointFiles(
  model: TransformerModel,
  tok: Tokenizer,
  run: RunConfig,
  step: number,
): Promise<CheckpointFiles> {
  // Written to disk and bundles: credentials pasted into the config are redacted.
  const meta: CheckpointMeta = { model: model.config, run: redactSecrets(run), step };
  return {
    'model.safetensors': await modelToSafetensors(model),
    'config.json': JSON.stringify(meta, null, 2),
    'tokenizer.json': tokenizerToJSONString(tok),
  };
}

export interface LoadedCheckpoint {
  model: TransformerModel;
  tokenizer: Tokenizer;
  meta: CheckpointMeta;
}

/** Rebuilds model + tokenizer; mismatches are reported with the file to fix. */
export function loadCheckpoint(files: CheckpointFiles): LoadedCheckpoint {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(files['config.json']) as CheckpointMeta;
  } catch (e) {
    throw new Error(`config.json is not valid JSON: ${(e as Error).message}`);
  }
  if (!meta.model)
    throw new Error('config.json has no "model" section; was it written by the lab?');
  const run = parseConfig(meta.run);
  const tokenizer = tokenizerFromJSON(files['tokenizer.json']);
  if (tokenizer.vocabSize !== meta.model.vocab) {
    throw new Error(
      `tokenizer.json has ${tokenizer.vocabSize} tokens but the model expects ${meta.model.vocab}; use the tokenizer saved with these weights.`,
    );
  }
  const model = modelFromSafetensors(files['model.safetensors'], meta.model);
  return { model, tokenizer, meta: { ...meta, run } };
}
