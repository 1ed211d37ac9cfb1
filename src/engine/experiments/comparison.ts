/**
 * The seed paper's comparison at lab scale: one warm-up, then zero-shot (the warm-up model as
 * is), SFT, STaR, GRPO and ThinkTuning, each from the same warm-up weights with the same seed and
 * data on an equal budget (budget.ts), each scored greedily on the same held-out questions.
 * Pure engine code (Node CLI and the browser worker); every model it makes is disposed.
 */
import type { ArmHistory, ComparisonProgress, ComparisonResult } from '../../contract/comparison';
import type { RunConfig } from '../../contract/config';
import {
  evalStepMetrics,
  evaluate,
  greedyEvalOptions,
  type EvalRecord,
  type EvalResult,
} from '../eval/evaluate';
import { buildTokenizer, loadItems, type ReadText } from '../eval/sources';
import { runTraining } from '../loop/run';
import { buildTeacher } from '../teacher/build';
import type { RlTrainer } from '../loop/trainer';
import type { StepMetrics } from '../../contract/metrics';
import type { TransformerModel } from '../model/transformer';
import { mixSeed } from '../random';
import { runStar } from '../sft/star';
import { runSft } from '../sft/train';
import { type SftStepMetrics } from '../../contract/sftMetrics';
import { createStudent } from '../student';
import { loadRunStudent, type ReadStudentFile } from '../students/load';
import type { TaskItem } from '../tasks/types';
import type { Teacher } from '../teacher';
import type { Tokenizer } from '../tokenizer';
import {
  comparisonBudget,
  DEFAULT_STAR_ITERATIONS,
  type ComparisonBudget,
} from '../../contract/budget';
import { resultsRow, sourceLabels } from './table';
import { METHOD_LABELS, METHODS, type Method, type ResultsRow } from '../../contract/resultsTable';

/** Where the comparison is. `step`/`total` count the current phase's steps (or eval rows). */
export interface ComparisonOptions {
  /** Reads GSM8K files (a file read in Node, fetch in the browser). */
  readText?: ReadText;
  /** Reads the shipped students' files: the warm-up when `student.init` names one. */
  readStudentFile?: ReadStudentFile;
  /** ThinkTuning's teacher (default: the config's, built by buildTeacher). */
  teacher?: Teacher;
  /** STaR iterations (default 4, fewer when there are fewer updates). */
  starIterations?: number;
  /** Methods to run (default all five, always run in METHODS order). */
  methods?: readonly Method[];
  onProgress?: (p: ComparisonProgress) => void;
  /** Each arm's metrics as they are made. */
  onArmStep?: (method: Method, m: StepMetrics) => void | Promise<void>;
  onWarmupStep?: (m: SftStepMetrics) => void | Promise<void>;
  /** Told when a method's row is ready. */
  onRow?: (row: ResultsRow) => void | Promise<void>;
  /** Each method's greedy responses, graded (what the row was computed from). */
  onEval?: (method: Method, records: EvalRecord[]) => void | Promise<void>;
  /**
   * A GRPO or ThinkTuning arm's checkpoint, on the run driver's schedule (loop/run.ts): the
   * host writes what it keeps of `trainer` (its model, state and step).
   */
  onArmCheckpoint?: (method: Method, step: number, trainer: RlTrainer) => void | Promise<void>;
  /**
   * A method's row finished earlier with this config (an arm run by another process, or before a
   * crash): the arm is not trained again and its row is taken as is.
   */
  finishedRow?: (method: Method) => Promise<ResultsRow | null>;
  signal?: AbortSignal;
}

/** Lets queued messages (stop) in between steps: wasm/cpu work never yields on its own. */
const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

/** Runs the comparison; resolves with the table and every arm's history. */
export async function runComparison(
  config: RunConfig,
  o: ComparisonOptions = {},
): Promise<ComparisonResult> {
  const t0 = performance.now();
  const methods = METHODS.filter((m) => !o.methods || o.methods.includes(m));
  if (methods.length === 0)
    throw new Error(`No methods to compare; pick some of: ${METHODS.join(', ')}.`);
  if (config.student.source !== 'scratch')
    throw new Error(
      "The paper's comparison trains scratch students only for now (student.source is " +
        `"${config.student.source}"); set student.source=scratch to run it.`,
    );
  const budget = comparisonBudget(config, o.starIterations ?? DEFAULT_STAR_ITERATIONS);
  const stopped = () => o.signal?.aborted ?? false;
  const train = await loadItems(config.data, 'train', o.readText);
  const held = await loadItems(config.data, 'eval', o.readText);
  const evalItems = held.items.slice(0, config.eval.size);
  // The warm-up: a shipped student (student.init), or SFT from scratch below.
  const shipped = await loadRunStudent(config, o.readStudentFile);
  const tok = shipped?.tokenizer ?? buildTokenizer(config, train.items);
  const warm = shipped?.model ?? createStudent(config, tok);
  const result: ComparisonResult = {
    config,
    budget,
    sources: sourceLabels(evalItems),
    rows: [],
    arms: [],
    warmup: [],
    stopped: false,
    seconds: 0,
  };
  const progress = (p: Omit<ComparisonProgress, 'methodsDone' | 'methodsTotal'>) =>
    o.onProgress?.({ ...p, methodsDone: result.rows.length, methodsTotal: methods.length });
  const earlier = new Map<Method, ResultsRow>();
  for (const m of methods) {
    const row = (await o.finishedRow?.(m)) ?? null;
    if (row) earlier.set(m, row);
  }
  try {
    // ---- warm-up: shared by every arm (unless every arm finished earlier) -------------------
    if (!shipped && config.sft.steps > 0 && earlier.size < methods.length) {
      progress({ method: 'warm-up', phase: 'train', step: 0, total: config.sft.steps });
      const r = await runSft(warm, tok, train.items, {
        config,
        shouldStop: stopped,
        onStep: async (m) => {
          result.warmup.push(m);
          await o.onWarmupStep?.(m);
          progress({ method: 'warm-up', phase: 'train', step: m.step, total: config.sft.steps });
          await yieldToEvents();
        },
      });
      if (r.history.length < config.sft.steps) return finish(result, t0, true);
    }
    // ---- arms -------------------------------------------------------------------------------
    for (const method of methods) {
      if (stopped()) return finish(result, t0, true);
      const before = earlier.get(method);
      if (before) {
        result.rows.push(before);
        await o.onRow?.(before);
        continue;
      }
      const arm: ArmHistory = { method, label: METHOD_LABELS[method], metrics: [] };
      const model = method === 'zero-shot' ? warm : warm.clone();
      try {
        const tArm = performance.now();
        const trained = await trainArm(method, model, tok, train.items, config, budget, o, {
          push: async (m) => {
            arm.metrics.push(m);
            await o.onArmStep?.(method, m);
          },
          progress,
          stopped,
          evalItems,
        });
        const trainSeconds =
          method === 'zero-shot' ? 0 : (performance.now() - tArm) / 1000 - trained.evalSeconds;
        if (!trained.complete || stopped()) return finish(result, t0, true);
        result.arms.push(arm);
        // The RL arms' run ended with this evaluation (the driver's, after the last step).
        const evaluated =
          trained.finalEval ??
          (await evaluate(model, tok, evalItems, {
            ...greedyEvalOptions(config),
            catchphrase: config.reward.catchphrase,
            onProgress: (done, total) => progress({ method, phase: 'eval', step: done, total }),
          }));
        await o.onEval?.(method, evaluated.records);
        const row = resultsRow(method, evalItems, evaluated, trainSeconds);
        result.rows.push(row);
        await o.onRow?.(row);
        await yieldToEvents();
      } finally {
        if (model !== warm) model.dispose();
      }
    }
    return finish(result, t0, false);
  } finally {
    warm.dispose();
  }
}

function finish(r: ComparisonResult, t0: number, stopped: boolean): ComparisonResult {
  r.stopped = stopped;
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}

interface ArmHooks {
  push: (m: StepMetrics) => Promise<void>;
  progress: (p: Omit<ComparisonProgress, 'methodsDone' | 'methodsTotal'>) => void;
  stopped: () => boolean;
  /** The held-out questions every arm is scored on. */
  evalItems: TaskItem[];
}

/** How an arm's training went. */
interface ArmTrained {
  /** False when it was stopped before its budget was spent. */
  complete: boolean;
  /** An RL arm's evaluation after its last step (null: the comparison evaluates the arm). */
  finalEval: EvalResult | null;
  /** Seconds an RL arm spent in its held-out evaluations, the last one too (not training time). */
  evalSeconds: number;
}

/** Trains one arm in place (see ArmTrained). */
async function trainArm(
  method: Method,
  model: TransformerModel,
  tok: Tokenizer,
  items: TaskItem[],
  config: RunConfig,
  b: ComparisonBudget,
  o: ComparisonOptions,
  h: ArmHooks,
): Promise<ArmTrained> {
  if (method === 'grpo' || method === 'thinktuning')
    return trainRlArm(method, model, tok, items, config, o, h);
  const complete = await trainSftArm(method, model, tok, items, config, b, h);
  return { complete, finalEval: null, evalSeconds: 0 };
}

/**
 * A GRPO or ThinkTuning arm: the run driver (loop/run.ts) on the arm's copy of the warm-up, so it
 * evaluates and checkpoints on the same schedule as every run; its last evaluation is the row's.
 */
async function trainRlArm(
  method: 'grpo' | 'thinktuning',
  model: TransformerModel,
  tok: Tokenizer,
  items: TaskItem[],
  config: RunConfig,
  o: ComparisonOptions,
  h: ArmHooks,
): Promise<ArmTrained> {
  const c: RunConfig = { ...config, rl: { ...config.rl, algo: method } };
  const teacher = method === 'thinktuning' ? (o.teacher ?? buildTeacher(c)) : null;
  let evalMs = 0;
  let evalStart = 0;
  let step = 0;
  h.progress({ method, phase: 'train', step: 0, total: c.rl.steps });
  const out = await runTraining(
    {
      config: c,
      trainItems: items,
      teacher,
      student: { model, tokenizer: tok, warmedUp: true },
      evalItems: h.evalItems,
      evalAtStart: false, // the zero-shot row scores this very warm-up
    },
    {
      shouldStop: h.stopped,
      stepOptions: (s) => {
        step = s;
        return { shouldStop: h.stopped, signal: o.signal };
      },
      onPhase: (p) => {
        if (p !== 'evaluating') return;
        evalStart = performance.now();
        h.progress({ method, phase: 'train', step, total: c.rl.steps });
      },
      onEvalProgress: (done, total) => h.progress({ method, phase: 'eval', step: done, total }),
      onStep: async (r, evaluation) => {
        if (evaluation) evalMs += performance.now() - evalStart;
        // The arm's rows carry their held-out evaluations as eval/*, as a run's do on the page.
        if (evaluation) Object.assign(r.metrics, evalStepMetrics(evaluation));
        await h.push(r.metrics);
        // (a step with an evaluation said its progress as the evaluation began)
        if (!evaluation) h.progress({ method, phase: 'train', step, total: c.rl.steps });
        await yieldToEvents();
      },
      onCheckpoint: o.onArmCheckpoint && ((s, t) => o.onArmCheckpoint!(method, s, t)),
    },
  );
  const last = out.lastEval;
  return {
    complete: out.steps === c.rl.steps,
    finalEval: last && last.step === c.rl.steps ? last.result : null,
    evalSeconds: evalMs / 1000,
  };
}

/** Trains a non-RL arm in place; false when it was stopped before its budget was spent. */
async function trainSftArm(
  method: 'zero-shot' | 'sft' | 'star',
  model: TransformerModel,
  tok: Tokenizer,
  items: TaskItem[],
  config: RunConfig,
  b: ComparisonBudget,
  h: ArmHooks,
): Promise<boolean> {
  switch (method) {
    case 'zero-shot':
      return true;
    case 'sft': {
      h.progress({ method, phase: 'train', step: 0, total: b.updates });
      const r = await runSft(model, tok, items, {
        config: {
          seed: mixSeed(config.seed, 0x5f7a),
          data: config.data,
          sft: {
            ...config.sft,
            steps: b.updates,
            batchSize: b.rowsPerUpdate,
            lr: b.sftLr,
            minLr: b.sftLr,
            warmupSteps: 0,
          },
        },
        shouldStop: h.stopped,
        onStep: async (m) => {
          await h.push({
            step: m.step,
            loss: m.loss,
            learning_rate: m.lr,
            grad_norm: m.grad_norm,
            num_tokens: m.tokens,
            step_time: m.step_time,
          });
          h.progress({ method, phase: 'train', step: m.step, total: b.updates });
          await yieldToEvents();
        },
      });
      return r.history.length === b.updates;
    }
    case 'star': {
      h.progress({ method, phase: 'train', step: 0, total: b.updates });
      const history = await runStar(model, tok, items, {
        config,
        updates: b.updates,
        iterations: b.starSteps.length,
        lr: b.sftLr,
        batchSize: b.rowsPerUpdate,
        questionsPerUpdate: b.questionsPerUpdate,
        seed: config.seed,
        shouldStop: h.stopped,
        onIteration: async (m) => {
          await h.push(m);
          h.progress({ method, phase: 'train', step: m.step, total: b.updates });
          await yieldToEvents();
        },
      });
      return history.length === b.starSteps.length && !h.stopped();
    }
  }
}
