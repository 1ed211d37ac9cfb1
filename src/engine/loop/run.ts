import type { RunConfig } from '../config';
import { evaluate, heldOutEvalOptions, type EvalResult } from '../eval/evaluate';
import type { TransformerModel } from '../model/transformer';
import { runSft, type SftStepMetrics } from '../sft/train';
import type { CheckpointFiles } from '../store/checkpoint';
import { buildTokenizer, createStudent } from '../student';
import type { TaskItem } from '../tasks/types';
import type { Teacher } from '../teacher';
import type { TeacherPhaseStatus } from '../teacher/teacherPhase';
import type { Tokenizer } from '../tokenizer';
import { resumableCheckpoint, resumeTrainer, type ResumePoint } from './resume';
import { RlTrainer } from './trainer';
import type { RunHalt, StepResult } from './types';

export type RunPhase = 'warm-up' | 'rollout' | 'update' | 'done';

export interface RunHooks {
  onPhase?: (phase: RunPhase) => void;
  onSftStep?: (m: SftStepMetrics) => void | Promise<void>;
  onStep?: (r: StepResult) => void | Promise<void>;
  onCheckpoint?: (step: number, files: CheckpointFiles) => void | Promise<void>;
  shouldStop?: () => boolean;
  /** A greedy held-out evaluation (needs RunInputs.evalItems and rl.evalEvery > 0). */
  onEval?: (step: number, result: EvalResult) => void | Promise<void>;
  /** The run stopped itself: rl.maxNonFiniteSteps non-finite steps in a row (see RunHalt). */
  onHalt?: (halt: RunHalt) => void | Promise<void>;
  /** What a step's teacher phase waits for (its start and after each call). */
  onTeacherStatus?: (step: number, s: Readonly<TeacherPhaseStatus>) => void;
  /**
   * Also write a checkpoint at the start of the RL phase (step 0: after the warm-up or from
   * `init`), so a run killed before its first regular checkpoint can resume from there.
   */
  checkpointAtStart?: boolean;
}

export interface RunInputs {
  config: RunConfig;
  trainItems: TaskItem[];
  teacher: Teacher | null;
  /** Start from these weights (skips warm-up SFT). */
  init?: { model: TransformerModel; tokenizer: Tokenizer };
  /** Continue a run from its checkpoint (skips warm-up SFT; `init` is ignored). */
  resume?: ResumePoint;
  /**
   * With `resume`: evaluate once before continuing, when the checkpoint's step was due for an
   * evaluation whose row was lost (a crash between the checkpoint and the evaluation).
   */
  evalAtResume?: boolean;
  /**
   * Held-out questions for the greedy evaluation every rl.evalEvery steps (the reference
   * validates every 5): before the first RL step, every evalEvery steps and after the last.
   */
  evalItems?: TaskItem[];
}

export interface RunOutput {
  model: TransformerModel;
  tokenizer: Tokenizer;
  steps: number;
}

/** A whole run: tokenizer + student (or given weights), warm-up SFT, then GRPO/ThinkTuning steps. */
export async function runTraining(inp: RunInputs, hooks: RunHooks = {}): Promise<RunOutput> {
  const c = inp.config;
  const start = inp.resume ?? inp.init;
  const tokenizer = start?.tokenizer ?? buildTokenizer(c, inp.trainItems);
  const model = start?.model ?? createStudent(c, tokenizer);
  if (!start && c.sft.steps > 0) {
    hooks.onPhase?.('warm-up');
    await runSft(model, tokenizer, inp.trainItems, {
      config: c,
      onStep: hooks.onSftStep,
      shouldStop: hooks.shouldStop,
    });
  }
  const deps = { config: c, trainItems: inp.trainItems, teacher: inp.teacher };
  const trainer = inp.resume
    ? resumeTrainer(deps, inp.resume)
    : new RlTrainer({ ...deps, model, tokenizer });
  const evalItems = inp.evalItems ?? [];
  const evalEvery = c.rl.evalEvery;
  const evalNow = async () => {
    if (!hooks.onEval || evalItems.length === 0 || evalEvery <= 0) return;
    const r = await evaluate(model, tokenizer, evalItems, heldOutEvalOptions(c));
    await hooks.onEval(trainer.step, r);
  };
  try {
    if (!inp.resume && hooks.checkpointAtStart && hooks.onCheckpoint)
      await hooks.onCheckpoint(0, await resumableCheckpoint(model, tokenizer, c, trainer));
    if (inp.resume ? inp.evalAtResume : c.rl.steps > 0) await evalNow();
    while (trainer.step < c.rl.steps) {
      if (hooks.shouldStop?.()) break;
      hooks.onPhase?.('rollout');
      const step = trainer.step + 1;
      const r = await trainer.runStep({
        shouldStop: hooks.shouldStop,
        onTeacherStatus: hooks.onTeacherStatus && ((s) => hooks.onTeacherStatus!(step, s)),
      });
      await hooks.onStep?.(r);
      const every = c.rl.checkpointEvery;
      // A halted run (non-finite steps in a row) ends here with the last good weights saved.
      if (
        hooks.onCheckpoint &&
        ((every > 0 && trainer.step % every === 0) || trainer.step === c.rl.steps || r.halt)
      ) {
        await hooks.onCheckpoint(
          trainer.step,
          await resumableCheckpoint(model, tokenizer, c, trainer),
        );
      }
      if (r.halt) {
        await hooks.onHalt?.(r.halt);
        break;
      }
      if (trainer.step % evalEvery === 0 || trainer.step === c.rl.steps) await evalNow();
    }
  } finally {
    trainer.dispose();
  }
  hooks.onPhase?.('done');
  return { model, tokenizer, steps: trainer.step };
}
