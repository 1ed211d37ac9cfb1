import type { RunConfig } from '../config';
import type { TransformerModel } from '../model/transformer';
import { runSft, type SftStepMetrics } from '../sft/train';
import { checkpointFiles, type CheckpointFiles } from '../store/checkpoint';
import { buildTokenizer, createStudent } from '../student';
import type { TaskItem } from '../tasks/types';
import type { Teacher } from '../teacher';
import type { Tokenizer } from '../tokenizer';
import { RlTrainer } from './trainer';
import type { StepResult } from './types';

export type RunPhase = 'warm-up' | 'rollout' | 'update' | 'done';

export interface RunHooks {
  onPhase?: (phase: RunPhase) => void;
  onSftStep?: (m: SftStepMetrics) => void | Promise<void>;
  onStep?: (r: StepResult) => void | Promise<void>;
  onCheckpoint?: (step: number, files: CheckpointFiles) => void | Promise<void>;
  shouldStop?: () => boolean;
}

export interface RunInputs {
  config: RunConfig;
  trainItems: TaskItem[];
  teacher: Teacher | null;
  /** Start from these weights (skips warm-up SFT). */
  init?: { model: TransformerModel; tokenizer: Tokenizer };
}

export interface RunOutput {
  model: TransformerModel;
  tokenizer: Tokenizer;
  steps: number;
}

/** A whole run: tokenizer + student (or given weights), warm-up SFT, then GRPO/ThinkTuning steps. */
export async function runTraining(inp: RunInputs, hooks: RunHooks = {}): Promise<RunOutput> {
  const c = inp.config;
  const tokenizer = inp.init?.tokenizer ?? buildTokenizer(c, inp.trainItems);
  const model = inp.init?.model ?? createStudent(c, tokenizer);
  if (!inp.init && c.sft.steps > 0) {
    hooks.onPhase?.('warm-up');
    await runSft(model, tokenizer, inp.trainItems, {
      config: c,
      onStep: hooks.onSftStep,
      shouldStop: hooks.shouldStop,
    });
  }
  const trainer = new RlTrainer({
    config: c,
    model,
    tokenizer,
    trainItems: inp.trainItems,
    teacher: inp.teacher,
  });
  try {
    for (let s = 0; s < c.rl.steps; s++) {
      if (hooks.shouldStop?.()) break;
      hooks.onPhase?.('rollout');
      const r = await trainer.runStep({ shouldStop: hooks.shouldStop });
      await hooks.onStep?.(r);
      const every = c.rl.checkpointEvery;
      if (
        hooks.onCheckpoint &&
        ((every > 0 && trainer.step % every === 0) || trainer.step === c.rl.steps)
      ) {
        await hooks.onCheckpoint(
          trainer.step,
          await checkpointFiles(model, tokenizer, c, trainer.step),
        );
      }
    }
  } finally {
    trainer.dispose();
  }
  hooks.onPhase?.('done');
  return { model, tokenizer, steps: trainer.step };
}
