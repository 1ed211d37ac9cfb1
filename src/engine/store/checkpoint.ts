import type { RunConfig } from '../../contract/config';
import { redactSecrets } from '../../contract/redact';
import { TransformerModel } from '../model/transformer';
import { modelToSafetensors } from '../model/weights';
import { tokenizerToJSONString, type Tokenizer } from '../tokenizer';
import { checkCheckpointFiles, type CheckedCheckpoint } from './checkpointCheck';
import type { CheckpointFiles, CheckpointMeta } from './checkpointTypes';

export type { CheckpointFiles, CheckpointMeta } from './checkpointTypes';

/**
 * A checkpoint is a folder of standard files:
 *   model.safetensors  weights (F32, GPT-2 names)
 *   config.json        {model: ModelConfig, run: RunConfig, step}
 *   tokenizer.json     Hugging Face tokenizer
 *   trainer_state.safetensors  RL only: optimizer moments, RNG, data order, KL reference
 *                      (loop/trainerState.ts); what makes a resumed run continue exactly
 *   manifest.json      on disk: each file's SHA-256 and size (checkpointManifest.ts); the
 *                      browser keeps the same in its run record
 * Every file is checked before use (checkpointCheck.ts).
 */
export async function checkpointFiles(
  model: TransformerModel,
  tok: Tokenizer,
  run: RunConfig,
  step: number,
): Promise<CheckpointFiles> {
  // Written to disk and bundles: credentials pasted into the config are redacted.
  const meta: CheckpointMeta = { model: model.config, run: redactSecrets(run), step };
  return {
    // The step in the weights' metadata lets a reader tell files of different checkpoints apart.
    'model.safetensors': await modelToSafetensors(model, { step: String(step) }),
    'config.json': JSON.stringify(meta, null, 2),
    'tokenizer.json': tokenizerToJSONString(tok),
  };
}

export interface LoadedCheckpoint {
  model: TransformerModel;
  tokenizer: Tokenizer;
  meta: CheckpointMeta;
}

/**
 * Rebuilds model + tokenizer after every check of checkpointCheck.ts (shapes, finite values,
 * config.json against the weights' own config and step); each problem names its file.
 */
export function loadCheckpoint(files: CheckpointFiles): LoadedCheckpoint {
  return loadCheckedCheckpoint(checkCheckpointFiles(files));
}

/** Builds model + tokenizer from a checkpoint already checked (e.g. by the CLI's folder reader). */
export function loadCheckedCheckpoint(checked: CheckedCheckpoint): LoadedCheckpoint {
  const model = TransformerModel.fromArrays(checked.meta.model, checked.weights);
  return { model, tokenizer: checked.tokenizer, meta: checked.meta };
}
