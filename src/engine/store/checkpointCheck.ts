/**
 * The checks every checkpoint passes before a run may use it, shared by the CLI's checkpoint
 * folders, the browser's run store and bundle import. No tensor is built here:
 *   config.json                {model, run, step}: an object, a valid model and run config
 *   tokenizer.json             a tokenizer with the vocabulary the model expects
 *   model.safetensors          the config's tensors with their shapes, none left over, all finite,
 *                              saved for the same model config and step (weightsCheck.ts)
 *   trainer_state.safetensors  (when present) finite moments, saved at config.json's step
 * Every message starts with the file it is about and says what was expected.
 */
import { parseConfig } from '../../contract/config';
import { validateModelConfig, type ModelConfig } from '../model/config';
import { checkedModelArrays } from '../model/weightsCheck';
import { decodeTrainerState, TRAINER_STATE_FILE, type TrainerState } from '../loop/trainerState';
import { tokenizerFromJSON, type Tokenizer } from '../tokenizer';
import type { CheckpointFiles, CheckpointMeta } from './checkpointTypes';

/** A checkpoint whose every file passed its checks, decoded. */
export interface CheckedCheckpoint {
  meta: CheckpointMeta;
  tokenizer: Tokenizer;
  /** The weights by tensor name (finite, with the config's shapes). */
  weights: Map<string, Float32Array>;
  /** The trainer state, when the checkpoint has one. */
  state: TrainerState | null;
}

const EXPECTED_META =
  'expected an object {"model": {...}, "run": {...}, "step": N} as "sft" and "train" write';

/** Runs `fn`, prefixing any error message with the file name. */
function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith(`${file}`) ? message : `${file}: ${message}`);
  }
}

/** Parses a checkpoint's config.json; every problem names the field. */
export function parseCheckpointMeta(text: string): CheckpointMeta {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`config.json is not valid JSON (${(e as Error).message}); ${EXPECTED_META}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`config.json holds ${JSON.stringify(value)}; ${EXPECTED_META}.`);
  const o = value as Record<string, unknown>;
  if (typeof o.model !== 'object' || o.model === null)
    throw new Error(
      `config.json has no "model" section; ${EXPECTED_META}. A run folder's own config.json (train --out) is not a checkpoint: use its checkpoint/ folder.`,
    );
  const model = o.model as ModelConfig;
  inFile('config.json', () => validateModelConfig(model));
  if (!Number.isSafeInteger(o.step) || (o.step as number) < 0)
    throw new Error(
      `config.json: "step" is ${JSON.stringify(o.step)}; expected a non-negative integer.`,
    );
  const run = inFile('config.json: "run"', () => parseConfig(o.run));
  return { model, run, step: o.step as number };
}

/** Checks every file of a checkpoint (see the top of this file) and returns them decoded. */
export function checkCheckpointFiles(files: CheckpointFiles): CheckedCheckpoint {
  const meta = parseCheckpointMeta(files['config.json']);
  const tokenizer = inFile('tokenizer.json', () => tokenizerFromJSON(files['tokenizer.json']));
  if (tokenizer.vocabSize !== meta.model.vocab)
    throw new Error(
      `tokenizer.json has ${tokenizer.vocabSize} tokens but config.json's model expects ${meta.model.vocab}; use the tokenizer saved with these weights.`,
    );
  const weights = inFile('model.safetensors', () =>
    checkedModelArrays(files['model.safetensors'], meta.model, meta.step),
  );
  const stateBytes = files[TRAINER_STATE_FILE];
  const state = stateBytes
    ? inFile(TRAINER_STATE_FILE, () => decodeTrainerState(stateBytes))
    : null;
  if (state && state.step !== meta.step)
    throw new Error(
      `config.json says step ${meta.step} but ${TRAINER_STATE_FILE} says step ${state.step}; the files come from different checkpoints.`,
    );
  return { meta, tokenizer, weights, state };
}
