import { TransformerModel } from '../model/transformer';
import type { RunConfig } from '../config';
import { checkpointFiles, loadCheckpoint, type CheckpointFiles } from '../store/checkpoint';
import type { Tokenizer } from '../tokenizer';
import { RlTrainer, type TrainerDeps } from './trainer';
import { decodeTrainerState, TRAINER_STATE_FILE, type TrainerState } from './trainerState';

/** Where a run continues from: the checkpoint's student, tokenizer and trainer state. */
export interface ResumePoint {
  model: TransformerModel;
  tokenizer: Tokenizer;
  state: TrainerState;
}

/**
 * A trainer that continues a run from a checkpoint: its weights (already in `p.model`), the
 * optimizer moments, RNG state, data order and cursor, step index and KL reference.
 */
export function resumeTrainer(
  d: Omit<TrainerDeps, 'model' | 'tokenizer' | 'reference'>,
  p: ResumePoint,
): RlTrainer {
  const reference =
    d.config.rl.klBeta > 0 && p.state.reference
      ? TransformerModel.fromArrays(p.model.config, p.state.reference)
      : undefined;
  const trainer = new RlTrainer({ ...d, model: p.model, tokenizer: p.tokenizer, reference });
  try {
    trainer.importState(p.state);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  return trainer;
}

/** A checkpoint a run can continue from: the standard files plus the trainer's state. */
export async function resumableCheckpoint(
  model: TransformerModel,
  tokenizer: Tokenizer,
  config: RunConfig,
  trainer: RlTrainer,
): Promise<CheckpointFiles> {
  const files = await checkpointFiles(model, tokenizer, config, trainer.step);
  files[TRAINER_STATE_FILE] = await trainer.saveState();
  return files;
}

/** Rebuilds a resume point from a checkpoint's files (the trainer state file is required). */
export function resumePointFromFiles(files: CheckpointFiles): ResumePoint {
  const stateBytes = files[TRAINER_STATE_FILE];
  if (!stateBytes)
    throw new Error(
      `The checkpoint has no ${TRAINER_STATE_FILE} (optimizer, RNG and data order), so the run cannot continue exactly; it was written before resume existed or by "sft".`,
    );
  const state = decodeTrainerState(stateBytes);
  const { model, tokenizer, meta } = loadCheckpoint(files);
  if (meta.step !== state.step) {
    model.dispose();
    throw new Error(
      `config.json says step ${meta.step} but ${TRAINER_STATE_FILE} says step ${state.step}; the files come from different checkpoints.`,
    );
  }
  return { model, tokenizer, state };
}
