/** A checkpoint's files and its config.json: checkpoint.ts writes them, checkpointCheck.ts reads them. */
import type { RunConfig } from '../../contract/config';
import type { ModelConfig } from '../model/config';

/** A checkpoint folder's files by name. */
export interface CheckpointFiles {
  'model.safetensors': Uint8Array;
  'config.json': string;
  'tokenizer.json': string;
  'trainer_state.safetensors'?: Uint8Array;
}

/** config.json of a checkpoint. */
export interface CheckpointMeta {
  model: ModelConfig;
  run: RunConfig;
  step: number;
}
