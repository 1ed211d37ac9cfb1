import { TransformerModel } from '../model/transformer';
import type { RunConfig } from '../../contract/config';
import { checkpointFiles, type CheckpointFiles } from '../store/checkpoint';
import { checkCheckpointFiles, type CheckedCheckpoint } from '../store/checkpointCheck';
import type { Tokenizer } from '../tokenizer';
import { RlTrainer, type TrainerDeps } from './trainer';
import { TRAINER_STATE_FILE, type TrainerState } from './trainerState';

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

/**
 * A trainer's checkpoint to continue from: resumableCheckpoint of its own model, tokenizer and
 * config. Lab students only (a pretrained student's host saves its adapters instead).
 */
export function trainerCheckpoint(trainer: RlTrainer): Promise<CheckpointFiles> {
  const model = trainer.model;
  if (!(model instanceof TransformerModel))
    throw new Error('A resumable checkpoint holds a lab student, not a pretrained one.');
  return resumableCheckpoint(model, trainer.tokenizer, trainer.config, trainer);
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

/**
 * Rebuilds a resume point from a checkpoint's files (the trainer state file is required), after
 * every check of store/checkpointCheck.ts: each problem names its file.
 */
export function resumePointFromFiles(files: CheckpointFiles): ResumePoint {
  if (!files[TRAINER_STATE_FILE])
    throw new Error(
      `The checkpoint has no ${TRAINER_STATE_FILE} (optimizer, RNG and data order), so the run cannot continue exactly; it was written before resume existed or by "sft".`,
    );
  return resumePointFromChecked(checkCheckpointFiles(files));
}

/** A resume point from a checkpoint already checked (it must hold a trainer state). */
export function resumePointFromChecked(checked: CheckedCheckpoint): ResumePoint {
  if (!checked.state)
    throw new Error(
      `The checkpoint has no ${TRAINER_STATE_FILE} (optimizer, RNG and data order), so the run cannot continue exactly; it was written before resume existed or by "sft".`,
    );
  const model = TransformerModel.fromArrays(checked.meta.model, checked.weights);
  return { model, tokenizer: checked.tokenizer, state: checked.state };
}
