import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import { updateMemoryBudget } from '../backend/outOfMemory';
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../contract/config';
import { tokenLogpInChunks, tokenScoresInChunks } from '../model/logprobs';
import { sample } from '../model/sample';
import type { CausalLM } from '../model/causalLM';
import { AdamW } from '../optim/adamw';
import { mixSeed, mulberry32, type StatefulRng } from '../random';
import { computeAdvantages } from '../rl/advantages';
import { responseCredit, type TokenCredit } from '../rl/prefixCredit';
import { learningRateAt, teacherScheduleAt } from '../rl/schedule';
import { selectForTeacher } from '../rl/selection';
import { promptIds, questionText } from '../sft/examples';
import {
  compileRewardSpec,
  evaluateReward,
  type CompiledReward,
  type RewardBreakdown,
} from '../tasks/rewards';
import type { TaskItem } from '../tasks/types';
import type { Teacher } from '../teacher';
import type { TeacherPhaseStatus } from '../../contract/teacher';
import type { Tokenizer } from '../tokenizer';
import { buildGuidedResponse, offPolicyFlags } from './guided';
import { disposePacked, packRollouts } from './pack';
import { lossConfigFromConfig, rewardSpecFromConfig } from './setup';
import { stepMetrics } from './stepMetrics';
import { buildTrajectories } from './records';
import type { Rollout } from './rollout';
import { StepGuards } from './stepGuards';
import {
  checkTrainerState,
  encodeTrainerState,
  referenceShapes,
  type TrainerState,
} from './trainerState';
import type { StepResult } from '../../contract/loopRecords';
import type { MetricName } from '../../contract/metrics';
import { MicroBatchSizer } from './microBatchSizer';
import { runUpdates, type UpdateMemory } from './update';
import type { StageSummary } from '../../contract/stages';
import { advantageStage, stageRollouts, stageSummary } from './stages';

/** Per-step options of `RlTrainer.runStep`. */
export interface StepOptions {
  /** Asked between decoding steps (see SampleOptions.shouldStop). */
  shouldStop?: () => boolean | Promise<boolean>;
  /** Cancels teacher calls in flight. */
  signal?: AbortSignal;
  /** Told when the step enters each phase (for progress displays). */
  onPhase?: (phase: 'rollout' | 'teacher' | 'update') => void;
  /** Told what the teacher phase waits for, at its start and after each call. */
  onTeacherStatus?: (s: Readonly<TeacherPhaseStatus>) => void;
  /** Step-through mode: awaited after each stage with its summary (src/contract/stages.ts). */
  onStage?: (s: StageSummary) => void | Promise<void>;
}

export interface TrainerDeps {
  config: RunConfig;
  model: CausalLM;
  tokenizer: Tokenizer;
  trainItems: TaskItem[];
  /** null: plain GRPO (or ThinkTuning with the teacher off). */
  teacher: Teacher | null;
  /** Clock of the teacher's circuit breaker (default Date.now). */
  now?: () => number;
  /**
   * The frozen KL reference (resume: the saved one; the trainer owns and disposes it). Default:
   * a clone of `model` when klBeta > 0.
   */
  reference?: CausalLM;
}

/**
 * GRPO / ThinkTuning, one step at a time (THINKTUNING.md "One training step"):
 * rollouts -> rewards -> [selection -> teacher -> guided trajectories -> rewards] ->
 * group advantages -> old log-probs -> mini-batch updates -> metrics and per-token records.
 */
export class RlTrainer {
  readonly config: RunConfig;
  readonly model: CausalLM;
  readonly tokenizer: Tokenizer;
  private readonly items: TaskItem[];
  private readonly teacher: Teacher | null;
  private readonly optimizer: AdamW;
  private readonly reference: CausalLM | null;
  private readonly reward: CompiledReward;
  /** Teacher circuit breaker and non-finite guard (stepGuards.ts). */
  readonly guards: StepGuards;
  private rng: StatefulRng;
  private order: number[] = [];
  private cursor = 0;
  step = 0;

  constructor(d: TrainerDeps) {
    if (d.trainItems.length === 0) throw new Error('RL needs at least one training question.');
    this.config = d.config;
    this.model = d.model;
    this.tokenizer = d.tokenizer;
    this.items = d.trainItems;
    this.teacher = d.config.rl.algo === 'thinktuning' ? d.teacher : null;
    this.guards = new StepGuards(d.now);
    const rl = d.config.rl;
    this.optimizer = new AdamW(d.model.variables(), {
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: rl.weightDecay,
      gradClip: rl.gradClip,
    });
    this.reward = compileRewardSpec(rewardSpecFromConfig(d.config));
    this.rng = mulberry32(mixSeed(d.config.seed, 0x71));
    if (rl.klBeta > 0) {
      this.reference = d.reference ?? d.model.clone();
    } else {
      d.reference?.dispose();
      this.reference = null;
    }
  }

  /**
   * Everything that carries over from one step to the next besides the student's weights:
   * step index, the selection/shuffle RNG, the data order and cursor, AdamW's moments and step
   * count, and the KL reference's weights. The LR and teacher schedules are functions of `step`
   * and the sampling noise is seeded by (seed, step), so restoring these makes the next steps
   * equal to an uninterrupted run's (same backend).
   */
  async exportState(): Promise<TrainerState> {
    return {
      step: this.step,
      rngState: this.rng.state,
      order: this.order.slice(),
      cursor: this.cursor,
      optimizer: await this.optimizer.state(),
      reference: this.reference ? await this.reference.toArrays() : null,
    };
  }

  /** `exportState()` as the bytes of `trainer_state.safetensors` (see trainerState.ts). */
  async saveState(): Promise<Uint8Array> {
    const s = await this.exportState();
    const shapes = this.model.variables().map((v) => v.shape);
    return encodeTrainerState(s, shapes, referenceShapes(this.reference, s.reference));
  }

  /**
   * Restores `exportState()`'s result into a trainer built from the same config, items and
   * weights (checked first: checkTrainerState). The KL reference travels in
   * `TrainerDeps.reference` (it is a model).
   */
  importState(s: TrainerState): void {
    checkTrainerState(s, {
      questions: this.items.length,
      paramSizes: this.model.variables().map((v) => v.size),
      needsReference: this.config.rl.klBeta > 0,
    });
    this.step = s.step;
    this.rng.state = s.rngState;
    this.order = s.order.slice();
    this.cursor = s.cursor;
    this.optimizer.restore(s.optimizer);
  }

  /**
   * The update's memory bound on this backend now (WASM: its heap), or null: none. A fresh sizer
   * each step: its probe serves that step's updates only, so a step splits the same way whether
   * the run went on or was resumed before it (resume is exact).
   */
  private updateMemory(): UpdateMemory | null {
    const budget = updateMemoryBudget(tf.getBackend(), tf.memory().numBytes);
    return budget === null ? null : { budget, sizer: new MicroBatchSizer() };
  }

  /** Next B questions: passes over a seeded shuffle of the training set. */
  private nextItems(): TaskItem[] {
    const out: TaskItem[] = [];
    for (let drawn = 0; out.length < this.config.rl.questionsPerStep; drawn++) {
      if (this.cursor >= this.order.length) {
        this.order = this.items.map((_, i) => i);
        for (let i = this.order.length - 1; i > 0; i--) {
          const j = Math.floor(this.rng.next() * (i + 1));
          [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
        }
        this.cursor = 0;
      }
      const item = this.items[this.order[this.cursor++]];
      // A question too long for the context is left out (and counted), not a crash mid-run.
      const ctx = this.model.config.context;
      if (promptIds(this.tokenizer, item, this.config.data.promptSuffix).length < ctx)
        out.push(item);
      else this.tooLongQuestions++;
      if (out.length === 0 && drawn >= this.items.length)
        throw new Error(
          `Every training question is longer than the model context (${ctx} tokens): raise model.context or shorten data.promptSuffix.`,
        );
    }
    return out;
  }

  /** Questions left out so far because their prompt does not fit the context. */
  tooLongQuestions = 0;

  private score(item: TaskItem, text: string, finished: boolean, tokens: number): RewardBreakdown {
    return evaluateReward(this.reward, item, text, {
      endedWithEos: finished,
      responseTokens: tokens,
    });
  }

  /** Runs one full step. `shouldStop` aborts sampling early (the step then still completes). */
  async runStep(opts: StepOptions = {}): Promise<StepResult> {
    const c = this.config;
    const tok = this.tokenizer;
    const G = c.rl.groupSize;
    const tStart = performance.now();
    this.guards.beforeStep(this.model.variables(), this.step);
    const tooLongBefore = this.tooLongQuestions;
    const items = this.nextItems();
    const prompts = items.map((it) => promptIds(tok, it, c.data.promptSuffix));

    // ---- rollouts ---------------------------------------------------------------------------
    opts.onPhase?.('rollout');
    const sampled = await sample(
      this.model,
      prompts.flatMap((p) => Array.from({ length: G }, () => p)),
      {
        maxNewTokens: c.rl.maxNewTokens,
        temperature: c.rl.temperature,
        topP: c.rl.topP,
        seed: mixSeed(c.seed, this.step, 0x5a),
        eosId: tok.eosId,
        padId: tok.padId,
        shouldStop: opts.shouldStop,
      },
    );
    const tRollout = performance.now();
    const rollouts: Rollout[] = sampled.tokens.map((ids, i) => {
      const item = items[Math.floor(i / G)];
      const text = tok.decode(ids, { skipSpecial: true });
      const finished = sampled.finished[i];
      const reward = this.score(item, text, finished, ids.length);
      return {
        group: Math.floor(i / G),
        index: i % G,
        item,
        question: questionText(item, c.data.promptSuffix),
        ids,
        text,
        finished,
        reward,
        ownReward: reward.total,
        guided: null,
        guidance: null,
        offPolicy: ids.map(() => false),
      };
    });
    const stepNo = this.step + 1;
    const stage = opts.onStage;
    const graded = (r: Rollout) => ({ reward: r.reward.total, correct: r.reward.grade.correct });
    if (stage) {
      const n = rollouts.length;
      const meanTokens = rollouts.reduce((t, r) => t + r.ids.length, 0) / Math.max(1, n);
      await stage(
        stageSummary(stepNo, 'sample', stageRollouts(rollouts), {
          rollouts: n,
          mean_tokens: meanTokens,
        }),
      );
      const mean = rollouts.reduce((t, r) => t + r.reward.total, 0) / Math.max(1, n);
      const acc = rollouts.filter((r) => r.reward.grade.correct).length / Math.max(1, n);
      await stage(
        stageSummary(stepNo, 'reward', stageRollouts(rollouts, graded), {
          reward_mean: mean,
          accuracy: acc,
        }),
      );
    }

    // ---- teacher (ThinkTuning) --------------------------------------------------------------
    const schedule = teacherScheduleAt(this.step, {
      name: c.thinktuning.schedule,
      initialRate: c.thinktuning.initialRate,
      minRate: c.thinktuning.minRate,
      decaySteps: Math.max(1, c.thinktuning.scheduleSteps),
      offBelow: c.thinktuning.offThreshold,
    });
    const teacherOn = this.teacher !== null && schedule.active;
    const failures: Record<string, number> = {};
    const notes: string[] = [];
    if (teacherOn) {
      opts.onPhase?.('teacher');
      const groups = items.map((_, g) =>
        rollouts
          .slice(g * G, g * G + G)
          .map((r) => ({ finished: r.finished, correct: r.reward.grade.correct })),
      );
      const picked = selectForTeacher(groups, {
        rate: schedule.rate,
        active: true,
        strategy: c.thinktuning.selection,
        rng: this.rng,
      });
      const jobs = picked.flatMap((idx, g) => idx.map((i) => rollouts[g * G + i]));
      if (stage)
        await stage(
          stageSummary(
            stepNo,
            'select',
            stageRollouts(rollouts, (r) => ({ ...graded(r), selected: jobs.includes(r) })),
            { rate: schedule.rate, selected: jobs.length },
          ),
        );
      const replies = new Map<Rollout, string>();
      // Under the step's teacher deadline, with failed attempts counted as they happen.
      const results = await this.guards.guideAll(
        this.teacher!,
        c,
        jobs.map((r) => ({
          item: r.item,
          question: r.question,
          response: r.text,
          studentCorrect: r.reward.grade.correct,
        })),
        { signal: opts.signal, onStatus: opts.onTeacherStatus },
      );
      results.forEach((res, k) => {
        const r = jobs[k];
        if (res === 'skipped') return; // circuit open: no call, the rollout stays unguided
        replies.set(
          r,
          res.ok
            ? `${res.guidance.reason} ${res.guidance.phrase}`.trim()
            : `failed (${res.failure}): ${res.message}`,
        );
        if (!res.ok) {
          failures[res.failure] = (failures[res.failure] ?? 0) + 1;
          notes.push(`teacher ${res.failure}: ${res.message}`);
          return;
        }
        const guided = buildGuidedResponse(tok, r.ids, res.guidance);
        if (prompts[r.group].length + guided.ids.length > this.model.config.context) {
          failures.too_long = (failures.too_long ?? 0) + 1;
          notes.push(
            `guided trajectory longer than the context (${this.model.config.context}); kept unguided`,
          );
          return;
        }
        r.guided = guided;
        r.guidance = res.guidance;
        r.offPolicy = offPolicyFlags(guided, c.thinktuning.offPolicyScope);
        r.reward = this.score(r.item, guided.text, true, guided.ids.length);
      });
      if (stage) {
        const teacherRows = stageRollouts(rollouts, (r) => ({
          ...graded(r),
          selected: jobs.includes(r),
          teacher: replies.get(r),
        }));
        // The teacher stage shows the student's own text; the guided stage the joined one.
        for (const row of teacherRows) {
          const r = rollouts.find((x) => x.group === row.group && x.index === row.index)!;
          row.text = r.text.length > 160 ? `${r.text.slice(0, 160)}…` : r.text;
          row.tokens = r.ids.length;
        }
        const failed = Object.values(failures).reduce((t, n) => t + n, 0);
        await stage(
          stageSummary(
            stepNo,
            'teacher',
            teacherRows,
            { replies: replies.size, failed },
            notes.slice(),
          ),
        );
        const guidedRows = stageRollouts(rollouts, (r) => ({
          ...graded(r),
          guided: r.guided !== null,
          offPolicyTokens: r.offPolicy.filter(Boolean).length,
        }));
        const nGuided = rollouts.filter((r) => r.guided).length;
        await stage(stageSummary(stepNo, 'guided', guidedRows, { guided: nGuided }));
      }
    } else if (stage) {
      const why =
        this.teacher === null
          ? 'No teacher in this run (GRPO): nothing is selected, guided or sent.'
          : `The teacher schedule is off at this step (rate ${schedule.rate.toFixed(3)}): nothing is guided.`;
      for (const name of ['select', 'teacher', 'guided'] as const)
        await stage(stageSummary(stepNo, name, stageRollouts(rollouts, graded), {}, [why]));
    }
    const tTeacher = performance.now();

    // ---- advantages, old log-probs ---------------------------------------------------------
    opts.onPhase?.('update');
    const adv = computeAdvantages(
      rollouts.map((r) => r.reward.total),
      G,
      { mode: c.rl.advantage, epsilon: 1e-6, skipZeroSpread: c.rl.skipZeroSpread },
    );
    const credits = this.tokenCredits(rollouts, adv.advantages);
    if (stage) await stage(advantageStage(stepNo, rollouts, adv));
    const used = rollouts.map((_, i) => i).filter((i) => adv.keep[i]);
    let result: StepResult;
    if (used.length === 0) {
      result = this.finish(
        rollouts,
        adv,
        credits,
        null,
        used,
        { tStart, tRollout, tTeacher, tScore: performance.now(), tUpdate: performance.now() },
        failures,
        notes,
        schedule,
      );
    } else {
      const packed = packRollouts(
        used.map((i) => ({
          prompt: prompts[rollouts[i].group],
          response: rollouts[i].guided?.ids ?? rollouts[i].ids,
          offPolicy: rollouts[i].offPolicy,
          advantage: credits[i].advantage,
          inLoss: credits[i].inLoss,
        })),
        tok.padId,
      );
      // Scored in the update's micro-batches: rl.miniBatches x rl.gradAccum bounds the
      // [rows, T, vocab] logits.
      const gradAccum = c.rl.gradAccum ?? OPTIONAL_DEFAULTS.rl.gradAccum;
      const scoreRows = Math.ceil(used.length / Math.max(1, c.rl.miniBatches * gradAccum));
      // pi_old's scores; the update's micro-batches reuse them as the current weights' scores
      const scored = tokenScoresInChunks(this.model, packed.tokens, scoreRows);
      const oldLogp = scored.logp;
      const refLogp = this.reference
        ? tokenLogpInChunks(this.reference, packed.tokens, scoreRows)
        : null;
      const tScore = performance.now();
      const lr = learningRateAt(this.step, {
        name: c.rl.lrSchedule,
        baseLr: c.rl.lr,
        minLr: c.rl.minLr,
        warmupSteps: c.rl.warmupSteps,
        totalSteps: c.rl.steps,
      });
      const upd = await runUpdates({
        model: this.model,
        optimizer: this.optimizer,
        packed,
        oldLogp,
        refLogp,
        lossConfig: lossConfigFromConfig(c),
        miniBatches: c.rl.miniBatches,
        gradAccum,
        // on WASM the update's micro-batches are also sized to fit the heap (the same update)
        memory: this.updateMemory(),
        current: scored,
        epochs: c.rl.epochs,
        lr,
      });
      const oldData = (await oldLogp.data()) as Float32Array;
      const tUpdate = performance.now();
      if (stage)
        await stage(
          stageSummary(stepNo, 'loss', [], {
            ...upd.metrics,
            batch_tokens: packed.length * used.length,
          }),
        );
      result = this.finish(
        rollouts,
        adv,
        credits,
        { upd, oldData, packed, lr },
        used,
        { tStart, tRollout, tTeacher, tScore, tUpdate },
        failures,
        notes,
        schedule,
      );
      tf.dispose([oldLogp, scored.entropy, ...(refLogp ? [refLogp] : [])]);
      disposePacked(packed);
    }
    if (stage && used.length === 0)
      await stage(
        stageSummary(stepNo, 'loss', [], {}, [
          'No rollout is in the loss (every group had equal rewards): the step makes no update.',
        ]),
      );
    const tooLong = this.tooLongQuestions - tooLongBefore;
    result.metrics['data/skipped_too_long'] = tooLong;
    if (tooLong > 0)
      result.notes.push(
        `${tooLong} question(s) longer than the model context (${this.model.config.context} tokens) were left out; raise model.context to train on them`,
      );
    await this.guards.afterStep(
      result,
      this.step + 1,
      this.model.variables(),
      c,
      this.teacher !== null,
    );
    if (stage) {
      const m = result.metrics;
      const keys: MetricName[] = [
        'grad_norm',
        'learning_rate',
        'update/count',
        'update/skipped',
        'update/micro_batches',
        'reward',
        'accuracy',
      ];
      await stage(
        stageSummary(stepNo, 'update', [], Object.fromEntries(keys.map((k) => [k, m[k] ?? 0]))),
      );
    }
    this.step++;
    return result;
  }

  /**
   * Per-token advantages and loss membership (rl/prefixCredit.ts): A_i on every token, except in
   * the student's prefix of a guided trajectory, which thinktuning.prefixCredit decides. 'own'
   * gives it A_i^own, GRPO's advantage for the student's unguided responses of the group.
   */
  private tokenCredits(rollouts: Rollout[], advantages: number[]): TokenCredit[] {
    const c = this.config;
    const mode = c.thinktuning.prefixCredit ?? OPTIONAL_DEFAULTS.thinktuning.prefixCredit;
    const anyGuided = rollouts.some((r) => r.guided);
    const own =
      anyGuided && mode === 'own'
        ? computeAdvantages(
            rollouts.map((r) => r.ownReward),
            c.rl.groupSize,
            { mode: c.rl.advantage, epsilon: 1e-6, skipZeroSpread: false },
          ).advantages
        : advantages;
    return rollouts.map((r, i) =>
      responseCredit(
        (r.guided?.ids ?? r.ids).length,
        r.guided ? r.guided.guidanceStart : null,
        advantages[i],
        own[i],
        mode,
      ),
    );
  }

  private finish(
    rollouts: Rollout[],
    adv: ReturnType<typeof computeAdvantages>,
    credits: TokenCredit[],
    update: {
      upd: Awaited<ReturnType<typeof runUpdates>>;
      oldData: Float32Array;
      packed: ReturnType<typeof packRollouts>;
      lr: number;
    } | null,
    used: number[],
    t: { tStart: number; tRollout: number; tTeacher: number; tScore: number; tUpdate: number },
    failures: Record<string, number>,
    notes: string[],
    schedule: { rate: number; active: boolean },
  ): StepResult {
    // Numbered like metrics.jsonl and the page: the step this call completes, from 1.
    const trajectories = buildTrajectories(
      this.step + 1,
      this.tokenizer,
      rollouts,
      adv,
      update,
      used,
      credits,
      {
        advantageMode: this.config.rl.advantage,
        epsilon: 1e-6,
        prefixCredit: this.config.thinktuning.prefixCredit ?? 'guided',
        epochs: this.config.rl.epochs,
        miniBatches: this.config.rl.miniBatches,
        loss: lossConfigFromConfig(this.config),
      },
    );
    const metrics = stepMetrics({
      step: this.step,
      config: this.config,
      rollouts,
      adv,
      update: update
        ? {
            metrics: update.upd.metrics,
            gradNorm: update.upd.gradNorm,
            skipped: update.upd.skipped,
            updates: update.upd.updates,
            microBatches: update.upd.microBatches,
            lr: update.lr,
            trainTokens: update.packed.length * used.length,
          }
        : null,
      trajectories,
      timing: t,
      failures,
      schedule: {
        rate: this.teacher ? schedule.rate : 0,
        active: this.teacher !== null && schedule.active,
      },
    });
    if (update && update.upd.skipped > 0)
      notes.push(
        `step ${this.step + 1}: ${update.upd.skipped} update(s) skipped for a non-finite loss or gradient; the weights were left as they were`,
      );
    return { metrics, trajectories, teacherFailures: failures, notes };
  }

  dispose(): void {
    this.guards.dispose();
    this.optimizer.dispose();
    this.reference?.dispose();
  }
}
