/**
 * The one RL run driver: warm-up SFT when the student needs it, then GRPO/ThinkTuning steps on
 * any CausalLM, with one schedule for evaluation and checkpoints. Its hosts keep only their I/O
 * and pass hooks: the worker session (src/session/trainingRun.ts: pause / step once / stop
 * through `gate`), the CLI's `train` on a scratch or a pretrained student, and the comparison's
 * GRPO and ThinkTuning arms (experiments/comparison.ts).
 *
 * The schedule (the same for every host):
 * - evaluation (greedy on `evalItems`, when given and rl.evalEvery > 0): before the first step
 *   (unless `evalAtStart` is false; made once the gate lets that step go, so a paused run waits
 *   first), every rl.evalEvery steps and after the last (`evalDue`); a resumed run evaluates
 *   before its next step only with `evalAtResume`;
 * - checkpoints (with `onCheckpoint`): at the start of RL (`checkpointAtStart`), every
 *   rl.checkpointEvery steps and after the last (`checkpointDue`), at a halt, when the last one
 *   is older than `maxCheckpointAgeMs`, at the end of a stopped run, and whenever the host asks
 *   (`RunDriver.checkpoint`, e.g. on pause); never twice for one step;
 * - after each step, in this order: its evaluation is made, the step goes to `onStep` with it
 *   (the page merges it into the row as eval/*), its checkpoint is written, the evaluation goes
 *   to `onEval` (the CLI's eval.jsonl row), then a halt to `onHalt`.
 * The gate (pause / step once) and `shouldStop` act between steps; a gate that says no or a stop
 * ends the run, after a checkpoint of its last step.
 */
import type { RunConfig } from '../../contract/config';
import { evaluate, heldOutEvalOptions, type EvalResult } from '../eval/evaluate';
import type { CausalLM } from '../model/causalLM';
import { runSft, type SftResult } from '../sft/train';
import { type SftStepMetrics } from '../../contract/sftMetrics';
import { buildTokenizer, createStudent } from '../student';
import type { TaskItem } from '../tasks/types';
import type { Teacher } from '../teacher';
import type { Tokenizer } from '../tokenizer';
import { resumeTrainer, type ResumePoint } from './resume';
import { RlTrainer, type StepOptions } from './trainer';
import type { RunHalt, StepResult } from '../../contract/loopRecords';

export type RunPhase = 'warm-up' | 'rollout' | 'evaluating' | 'done';

export interface RunHooks {
  onPhase?: (phase: RunPhase) => void;
  /**
   * Before warm-up, between warm-up steps and before each RL step: resolves true to go on,
   * false to end the run (as a stop). A paused host waits here (the student is free meanwhile).
   */
  gate?: (phase: 'warm-up' | 'rollout') => boolean | Promise<boolean>;
  /** Asked between steps and by the warm-up: true ends the run. */
  shouldStop?: () => boolean;
  /** The trainer's options for step `step`: between-token stop, abort signal, phase callbacks. */
  stepOptions?: (step: number) => StepOptions;
  onSftStep?: (m: SftStepMetrics) => void | Promise<void>;
  onSftDone?: (r: SftResult) => void | Promise<void>;
  /** A held-out evaluation at `step` (0: before the first step). */
  onEval?: (step: number, result: EvalResult) => void | Promise<void>;
  /** Rows done of the evaluation in progress. */
  onEvalProgress?: (done: number, total: number) => void;
  /** One RL step finished, with the held-out evaluation made after it (null: none was due). */
  onStep?: (r: StepResult, evaluation: EvalResult | null) => void | Promise<void>;
  /** A checkpoint is due at `step`: the host writes what it keeps (trainer.model, its state). */
  onCheckpoint?: (step: number, trainer: RlTrainer) => void | Promise<void>;
  /**
   * rl.maxNonFiniteSteps non-finite steps in a row (see RunHalt); the last good weights are
   * checkpointed first. The run goes on unless the gate or shouldStop ends it: the CLI ends
   * there, the page pauses, a comparison arm trains on.
   */
  onHalt?: (halt: RunHalt) => void | Promise<void>;
}

/** The student a run starts from, when not built from the config. */
export interface GivenStudent {
  model: CausalLM;
  tokenizer: Tokenizer;
  /** Already warmed up (a checkpoint, a shipped student): no warm-up SFT. */
  warmedUp: boolean;
}

export interface RunInputs {
  config: RunConfig;
  trainItems: TaskItem[];
  teacher: Teacher | null;
  /** Start from this student (default: a fresh one from the config, warmed up first). */
  student?: GivenStudent;
  /** Continue a run from its checkpoint (no warm-up; `student` is ignored). */
  resume?: ResumePoint;
  /**
   * With `resume`: evaluate once before continuing, when the checkpoint's step was due for an
   * evaluation whose row was lost (a crash between the checkpoint and the evaluation).
   */
  evalAtResume?: boolean;
  /** Held-out questions for the greedy evaluation (see the schedule above). */
  evalItems?: TaskItem[];
  /**
   * Evaluate before the first step when due (default true). The comparison says false: its
   * zero-shot row already scores the warm-up every RL arm starts from.
   */
  evalAtStart?: boolean;
  /**
   * Also checkpoint at the start of RL (step 0), so a run killed before its first regular
   * checkpoint resumes there, without its warm-up again.
   */
  checkpointAtStart?: boolean;
  /** Also checkpoint after a step when the last checkpoint is at least this old (ms). */
  maxCheckpointAgeMs?: number;
}

export interface RunOutput {
  model: CausalLM;
  tokenizer: Tokenizer;
  /** RL steps done (the trainer's step count). */
  steps: number;
  /** The last held-out evaluation and its step (null: none ran). */
  lastEval: { step: number; result: EvalResult } | null;
}

/**
 * Whether the held-out evaluation is due after `step` (0: before the first step): at 0, at every
 * multiple of rl.evalEvery and at rl.steps, when rl.evalEvery > 0 and rl.steps > 0.
 */
export function evalDue(step: number, c: Pick<RunConfig, 'rl'>): boolean {
  const every = c.rl.evalEvery;
  return every > 0 && c.rl.steps > 0 && (step === 0 || step % every === 0 || step === c.rl.steps);
}

/** Whether a checkpoint is due after `step` by the schedule: k·rl.checkpointEvery and rl.steps. */
export function checkpointDue(step: number, c: Pick<RunConfig, 'rl'>): boolean {
  const every = c.rl.checkpointEvery;
  return (every > 0 && step % every === 0) || step === c.rl.steps;
}

/** Runs one training run (see the top of this file); `run()` once. */
export class RunDriver {
  private trainerNow: RlTrainer | null = null;
  /** The step of the last checkpoint written (-1: none) and when (ms). */
  private checkpointStep: number;
  private checkpointAt = Date.now();

  constructor(
    private readonly inp: RunInputs,
    private readonly hooks: RunHooks = {},
  ) {
    this.checkpointStep = inp.resume ? inp.resume.state.step : -1;
  }

  /** The RL trainer once warm-up is over (null before and after the run). */
  get trainer(): RlTrainer | null {
    return this.trainerNow;
  }

  /** Writes a checkpoint of the current step now, unless one exists (a no-op without the hook). */
  async checkpoint(): Promise<void> {
    const trainer = this.trainerNow;
    if (!this.hooks.onCheckpoint || !trainer || trainer.step <= this.checkpointStep) return;
    this.checkpointStep = trainer.step;
    this.checkpointAt = Date.now();
    await this.hooks.onCheckpoint(trainer.step, trainer);
  }

  async run(): Promise<RunOutput> {
    const { inp, hooks } = this;
    const c = inp.config;
    const given = inp.resume ? { ...inp.resume, warmedUp: true } : inp.student;
    const tokenizer = given?.tokenizer ?? buildTokenizer(c, inp.trainItems);
    const model: CausalLM = given?.model ?? createStudent(c, tokenizer);
    /** A gate that said no ends the run as a stop does. */
    let gateClosed = false;
    const stopped = () => gateClosed || (hooks.shouldStop?.() ?? false);
    const gate = async (phase: 'warm-up' | 'rollout') => {
      if (!stopped() && hooks.gate && !(await hooks.gate(phase))) gateClosed = true;
      return !stopped();
    };
    let lastEval: RunOutput['lastEval'] = null;

    // ---- warm-up SFT ------------------------------------------------------------------------
    if (!given?.warmedUp && c.sft.steps > 0) {
      hooks.onPhase?.('warm-up');
      if (await gate('warm-up')) {
        const sft = await runSft(model, tokenizer, inp.trainItems, {
          config: c,
          shouldStop: stopped,
          onStep: async (m) => {
            await hooks.onSftStep?.(m);
            if (m.step < c.sft.steps) await gate('warm-up');
          },
        });
        await hooks.onSftDone?.(sft);
      }
    }
    if (stopped()) {
      hooks.onPhase?.('done');
      return { model, tokenizer, steps: inp.resume?.state.step ?? 0, lastEval };
    }

    // ---- RL ---------------------------------------------------------------------------------
    const deps = { config: c, trainItems: inp.trainItems, teacher: inp.teacher };
    const trainer = inp.resume
      ? resumeTrainer(deps, inp.resume)
      : new RlTrainer({ ...deps, model, tokenizer });
    this.trainerNow = trainer;
    const evalItems = inp.evalItems ?? [];
    /** The held-out evaluation when one is due at the trainer's step (null when not). */
    const evalIfDue = async (): Promise<EvalResult | null> => {
      if (evalItems.length === 0 || !evalDue(trainer.step, c)) return null;
      hooks.onPhase?.('evaluating');
      const o = { ...heldOutEvalOptions(c), onProgress: hooks.onEvalProgress };
      const result = await evaluate(model, tokenizer, evalItems, o);
      lastEval = { step: trainer.step, result };
      return result;
    };
    try {
      // A run killed before its first regular checkpoint resumes from here (no warm-up again).
      if (!inp.resume && inp.checkpointAtStart) await this.checkpoint();
      // The evaluation before the first step, made once the gate lets that step go.
      let startEval = inp.resume ? inp.evalAtResume === true : inp.evalAtStart !== false;
      const evalAtStart = async () => {
        const e = startEval ? await evalIfDue() : null;
        startEval = false;
        if (e) await hooks.onEval?.(trainer.step, e);
      };
      while (trainer.step < c.rl.steps) {
        if (!(await gate('rollout'))) break;
        await evalAtStart();
        hooks.onPhase?.('rollout');
        const r = await trainer.runStep(hooks.stepOptions?.(trainer.step + 1));
        const evaluated = await evalIfDue();
        await hooks.onStep?.(r, evaluated);
        const age = inp.maxCheckpointAgeMs;
        const stale = age !== undefined && Date.now() - this.checkpointAt >= age;
        // A halted run keeps its last good weights: they are saved before the host hears of it.
        if (checkpointDue(trainer.step, c) || stale || r.halt) await this.checkpoint();
        if (evaluated) await hooks.onEval?.(trainer.step, evaluated);
        if (r.halt) await hooks.onHalt?.(r.halt);
      }
      // A run resumed at its last step still makes up the evaluation it lost.
      if (!stopped()) await evalAtStart();
      await this.checkpoint(); // the last step, stopped or done
    } finally {
      trainer.dispose();
      this.trainerNow = null;
    }
    hooks.onPhase?.('done');
    return { model, tokenizer, steps: trainer.step, lastEval };
  }
}

/** One run with `hooks` (see RunDriver). */
export function runTraining(inp: RunInputs, hooks: RunHooks = {}): Promise<RunOutput> {
  return new RunDriver(inp, hooks).run();
}
