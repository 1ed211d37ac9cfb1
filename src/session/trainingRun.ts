import type { TeacherPhaseStatus } from '../contract/teacher';
import type { RunConfig } from '../contract/config';
import { evalStepMetrics } from '../engine/eval/evaluate';
import { heldOutItems, loadItems, type ReadText } from '../engine/eval/sources';
import { trainerCheckpoint, type ResumePoint } from '../engine/loop/resume';
import { RunDriver } from '../engine/loop/run';
import type { RlTrainer } from '../engine/loop/trainer';
import type { RunHalt, StepResult } from '../contract/loopRecords';
import type { TaskItem } from '../engine/tasks/types';
import { TransformerModel } from '../engine/model/transformer';
import type { CausalLM } from '../engine/model/causalLM';
import type { SftStepMetrics } from '../contract/sftMetrics';
import { buildTokenizer, createStudent } from '../engine/student';
import { loadRunStudent, type ReadStudentFile } from '../engine/students/load';
import { warmupStepsOf } from '../contract/students';
import type { Tokenizer } from '../engine/tokenizer';
import { applyLiveFields } from '../contract/liveConfig';
import type {
  RunPhase,
  RunProgress,
  RunStatus,
  TeacherExtras,
  TeacherSettings,
  WorkerEvent,
} from './protocol';
import type { RunRecorder } from './runLibrary';
import { SwitchableTeacher, teacherFromSettings } from './teacherFactory';
import type { TrajectoryStore } from './trajectoryStore';
import { yieldToEvents } from './yieldToEvents';
import { describeRunFailure } from '../engine/backend/outOfMemory';
import type { StageGate } from './hosts/stageGate';

export interface TrainingRunDeps {
  run: number;
  config: RunConfig;
  extras: TeacherExtras;
  /** Start paused (with `steps` permitted steps: "step once" from idle). */
  paused: boolean;
  post(e: WorkerEvent): void;
  store: TrajectoryStore;
  readText?: ReadText;
  /** Reads the shipped warm-up students' files (student.init): fetch from the app's origin. */
  readStudentFile?: ReadStudentFile;
  fetch?: typeof fetch;
  /** Called once the student exists, so the session can sample from it. */
  onStudent(model: CausalLM, tokenizer: Tokenizer): void;
  /** A pretrained student (config.student.source "hf"): its model and own tokenizer. */
  pretrained?: () => Promise<{ model: CausalLM; tokenizer: Tokenizer }>;
  /** Resolves when no other work (sampling) uses the student. */
  idle(): Promise<void>;
  /** Continue from a saved checkpoint: its student, tokenizer and trainer state (no warm-up). */
  resume?: ResumePoint;
  /** Saves the run as it trains (rows, trajectories, checkpoints); absent: nothing is saved. */
  recorder?: RunRecorder;
  /** Told just before each RL step (1-based) with the student it starts from. */
  onBeforeStep?(step: number, model: CausalLM): void;
  /** Step-through mode: awaited after each stage of a step while it is on. */
  stages?: StageGate;
}

/**
 * A checkpoint is also written when the last one is this old, whatever rl.checkpointEvery says:
 * with slow steps (a big model on WASM) a reload then loses at most about a minute of training.
 */
const CHECKPOINT_MAX_AGE_MS = 60_000;

/** How often warm-up progress is posted at most (SFT steps can take a few ms each). */
const SFT_POST_MS = 100;

/**
 * One training run in the worker: items, tokenizer and student, then the engine's run driver
 * (engine/loop/run.ts: warm-up SFT, RL steps, evaluations and checkpoints on its schedule), whose
 * gate is this run's pause / resume / step once, acting between steps. This class keeps the I/O:
 * events to the page, the saved run, progress and ETA, live settings, the teacher. The sampler
 * lets the worker read its messages between decoding steps (yieldToEvents.ts), so a stop or pause
 * is acknowledged at once; Stop also cuts the rollout at the next decoding step and aborts teacher
 * calls. Live settings that arrive mid-step wait for the next step. Free of DOM and worker globals.
 */
export class TrainingRun {
  readonly config: RunConfig;
  readonly done: Promise<void>;
  private extras: TeacherExtras;
  private readonly teacher: SwitchableTeacher;
  private status: RunStatus;
  private phase: RunPhase | null = 'preparing';
  /** What the teacher phase waits for (null outside it). */
  private teacherWait: TeacherPhaseStatus | null = null;
  private step = 0;
  private sftStep = 0;
  /** Warm-up steps this run makes: sft.steps, or 0 when it starts from a shipped student. */
  private sftTotal: number;
  /** Steps permitted while paused ("step once"). */
  private permitted: number;
  private wake: (() => void) | null = null;
  /** Live settings received during a step, applied before the next one (gate). */
  private pendingLive: RunConfig | null = null;
  private stopRequested = false;
  private isWaiting = false;
  private readonly abort = new AbortController();
  private readonly stepSeconds: number[] = [];
  private readonly sftSeconds: number[] = [];
  private sftBuffer: SftStepMetrics[] = [];
  private lastSftPost = 0;
  /** The run driver (engine/loop/run.ts) once the student exists. */
  private driver: RunDriver | null = null;

  constructor(private readonly d: TrainingRunDeps) {
    this.config = structuredClone(d.config);
    this.extras = d.extras;
    this.status = d.paused ? 'paused' : 'running';
    this.permitted = d.paused ? 1 : 0;
    this.sftTotal = warmupStepsOf(this.config); // 0 with a shipped student
    if (d.resume) {
      this.step = d.resume.state.step;
      this.sftStep = this.config.sft.steps;
    }
    this.teacher = new SwitchableTeacher(this.makeTeacher(), (busy) =>
      this.setPhase(busy ? 'teacher' : 'update'),
    );
    this.done = this.main();
  }

  get runId(): number {
    return this.d.run;
  }

  get active(): boolean {
    return this.status === 'running' || this.status === 'paused' || this.status === 'stopping';
  }

  /** True while the run waits between steps (the student is free for sampling). */
  get waiting(): boolean {
    return this.isWaiting;
  }

  progress(): RunProgress {
    const c = this.config;
    const rlLeft = Math.max(0, c.rl.steps - this.step);
    const sftLeft = Math.max(0, this.sftTotal - this.sftStep);
    const avg = (xs: number[]) => xs.slice(-5).reduce((a, b) => a + b, 0) / xs.slice(-5).length;
    const rlPart =
      rlLeft === 0 ? 0 : this.stepSeconds.length ? rlLeft * avg(this.stepSeconds) : null;
    const sftPart =
      sftLeft === 0 ? 0 : this.sftSeconds.length ? sftLeft * avg(this.sftSeconds) : null;
    // Before the first RL step is timed, the ETA covers the warm-up only (the UI says so).
    const eta = !this.active ? null : rlPart === null ? sftPart : rlPart + (sftPart ?? 0);
    return {
      status: this.status,
      phase: this.active ? this.phase : null,
      waiting: this.active && this.isWaiting,
      step: this.step,
      totalSteps: c.rl.steps,
      sftStep: this.sftStep,
      sftSteps: this.sftTotal,
      etaSeconds: eta,
      etaCoversRl: rlPart !== null,
      ...(this.active && this.phase === 'teacher' && this.teacherWait
        ? { teacherWait: this.teacherWait }
        : {}),
    };
  }

  pause(): void {
    if (this.status !== 'running') return;
    this.status = 'paused';
    this.permitted = 0;
    this.postProgress();
    void this.d.recorder?.status('paused', this.config);
  }

  resume(): void {
    if (this.status !== 'paused') return;
    this.status = 'running';
    this.permitted = 0;
    this.postProgress();
    void this.d.recorder?.status('running', this.config);
    this.wakeUp();
  }

  /** One more step, then stay paused (pauses a running run after its current step). */
  stepOnce(): void {
    if (this.status === 'running') this.status = 'paused';
    if (this.status !== 'paused') return;
    this.permitted++;
    this.postProgress();
    this.wakeUp();
  }

  stop(): void {
    if (!this.active) return;
    this.stopRequested = true;
    this.status = 'stopping';
    this.abort.abort();
    this.teacher.cancelAll();
    this.d.stages?.release();
    this.postProgress();
    this.wakeUp();
  }

  /**
   * The live fields of `next`, applied from the next step (a step in progress keeps the settings
   * it started with); a teacher change rebuilds the teacher. Returns what will apply.
   */
  updateConfig(next: RunConfig): { applied: string[]; needsRestart: string[] } {
    const r = applyLiveFields(structuredClone(this.config), next);
    this.pendingLive = next;
    if (this.isWaiting) this.applyPendingLive();
    return r;
  }

  private applyPendingLive(): void {
    const next = this.pendingLive;
    if (!next) return;
    this.pendingLive = null;
    const r = applyLiveFields(this.config, next);
    if (r.applied.some((p) => p.startsWith('teacher.'))) {
      this.teacher.replace(this.makeTeacher());
      this.driver?.trainer?.guards.breaker.reset(); // new settings: try the teacher again at once
    }
    if (r.applied.length) this.postProgress();
  }

  setTeacher(s: TeacherSettings): void {
    this.config.teacher = structuredClone(s.teacher);
    this.extras = { apiKey: s.apiKey, prompt: s.prompt };
    this.teacher.replace(this.makeTeacher());
    this.driver?.trainer?.guards.breaker.reset();
  }

  /** Pauses the run by itself (K non-finite steps in a row), saying why and what to change. */
  private haltFor(halt: RunHalt): void {
    this.post({ type: 'run-halted', run: this.d.run, halt });
    this.post({ type: 'log', level: 'warn', message: halt.message });
    if (this.status === 'running') this.pause();
    this.permitted = 0;
  }

  private makeTeacher() {
    return teacherFromSettings(
      this.config,
      { teacher: this.config.teacher, ...this.extras },
      this.d.fetch,
    );
  }

  private post(e: WorkerEvent): void {
    this.d.post(e);
  }

  private postProgress(): void {
    this.post({ type: 'progress', run: this.d.run, progress: this.progress() });
  }

  private setPhase(phase: RunPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.teacherWait = null;
    this.postProgress();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Waits until the next step may run; false when the run should end instead. */
  private async gate(phase: RunPhase): Promise<boolean> {
    await yieldToEvents();
    while (!this.stopRequested && this.status === 'paused' && this.permitted === 0) {
      // A paused run is saved first: closing the tab now loses nothing.
      await this.driver?.checkpoint();
      if (this.stopRequested || this.status !== 'paused' || this.permitted !== 0) break;
      // Waiting between steps: no phase, so the UI can say so.
      this.isWaiting = true;
      this.phase = null;
      this.postProgress();
      await new Promise<void>((r) => (this.wake = r));
      this.isWaiting = false;
    }
    if (this.stopRequested) return false;
    await this.d.idle();
    this.applyPendingLive();
    if (this.status === 'paused') this.permitted = Math.max(0, this.permitted - 1);
    this.setPhase(phase);
    return !this.stopRequested;
  }

  private flushSft(force: boolean): void {
    const now = Date.now();
    if (this.sftBuffer.length === 0 || (!force && now - this.lastSftPost < SFT_POST_MS)) return;
    this.lastSftPost = now;
    this.post({ type: 'sft-metrics', run: this.d.run, metrics: this.sftBuffer });
    void this.d.recorder?.sftMetrics(this.sftBuffer);
    this.sftBuffer = [];
    this.postProgress();
  }

  private async main(): Promise<void> {
    const c = this.config;
    const resume = this.d.resume;
    try {
      this.postProgress();
      await yieldToEvents();
      const { items, warnings } = await loadItems(c.data, 'train', this.d.readText);
      for (const w of warnings) this.post({ type: 'log', level: 'warn', message: w });
      const shipped = resume ? null : await loadRunStudent(c, this.d.readStudentFile);
      if (shipped) {
        this.post({
          type: 'log',
          level: 'info',
          message: `Started from the shipped warm-up student "${shipped.name}" (${(shipped.entry.heldOut.accuracy * 100).toFixed(1)}% held-out greedy accuracy); no warm-up SFT. Set student.init to "" to warm up from scratch.`,
        });
      }
      const given =
        resume ?? shipped ?? (this.d.pretrained ? await this.d.pretrained() : undefined);
      const tokenizer = given?.tokenizer ?? buildTokenizer(c, items);
      const model = given?.model ?? createStudent(c, tokenizer);
      this.d.onStudent(model, tokenizer);
      const evalItems = await this.heldOut(c);
      const driver = new RunDriver(
        {
          config: c,
          trainItems: items,
          teacher: this.teacher,
          student: { model, tokenizer, warmedUp: shipped !== null },
          resume,
          evalItems,
          // The page shows the first RL step first (a newcomer sees charts move within seconds;
          // on WebGPU-on-SwiftShader an evaluation takes minutes): held-out accuracy comes every
          // rl.evalEvery steps and after the last. The CLI's train evaluates before step 1 too.
          evalAtStart: false,
          checkpointAtStart: true,
          // With slow steps (a big model on WASM) a reload loses at most about a minute.
          maxCheckpointAgeMs: CHECKPOINT_MAX_AGE_MS,
        },
        {
          shouldStop: () => this.stopRequested,
          gate: (phase) => this.gate(phase),
          onPhase: (p) => {
            if (p === 'warm-up' || p === 'evaluating') this.setPhase(p);
          },
          onSftStep: (m) => {
            this.sftStep = m.step;
            this.sftSeconds.push(m.step_time);
            this.sftBuffer.push(m);
            this.flushSft(m.step === c.sft.steps);
          },
          onSftDone: (sft) => {
            this.flushSft(true);
            if (sft.droppedTooLong > 0)
              this.post({
                type: 'log',
                level: 'warn',
                message: `${sft.droppedTooLong} warm-up examples are longer than the context (${c.model.context} tokens) and were left out.`,
              });
          },
          stepOptions: (step) => {
            this.d.onBeforeStep?.(step, model); // the weights this step starts from
            return {
              // Between decoding steps the worker reads its messages: a Stop cuts the rollout there.
              shouldStop: async () => {
                await yieldToEvents();
                return this.stopRequested;
              },
              signal: this.abort.signal,
              onPhase: (p) => this.setPhase(p),
              onTeacherStatus: (s) => {
                this.teacherWait = s.pending > 0 ? { ...s } : null;
                this.postProgress();
              },
              onStage: (s) => this.d.stages?.wait(this.d.run, s, () => this.stopRequested),
            };
          },
          onEval: (step, e) => {
            if (step === 0)
              this.post({
                type: 'log',
                level: 'info',
                message: `Held-out greedy accuracy before RL: ${((e.greedyAccuracy ?? 0) * 100).toFixed(1)}% of ${e.questions} questions.`,
              });
          },
          onStep: (r, evaluation) => {
            // The evaluation after this step, shown as eval/* on its row (the charts read it there).
            if (evaluation) Object.assign(r.metrics, evalStepMetrics(evaluation));
            return this.stepDone(r);
          },
          onCheckpoint: (step, trainer) => this.saveCheckpoint(step, trainer),
          onHalt: (halt) => this.haltFor(halt),
        },
      );
      this.driver = driver;
      await driver.run();
      this.status = this.stopRequested ? 'stopped' : 'done';
    } catch (e) {
      this.status = 'failed';
      const message = describeRunFailure(e, this.config.rl);
      this.post({ type: 'error', id: null, message: `The run failed: ${message}` });
    } finally {
      await this.d.recorder?.status(this.status, this.config);
      this.driver = null;
      this.phase = null;
      this.postProgress();
    }
  }

  /** A finished RL step: to the page (metrics, trajectories, progress), then to the saved run. */
  private async stepDone(r: StepResult): Promise<void> {
    this.step = r.metrics.step;
    this.stepSeconds.push(r.metrics.step_time!);
    this.d.store.add(this.step, r.trajectories);
    this.post({
      type: 'metrics',
      run: this.d.run,
      step: this.step,
      metrics: r.metrics,
      teacherFailures: r.teacherFailures,
      notes: r.notes,
      stored: this.d.store.summary(),
    });
    this.post({
      type: 'trajectories',
      id: null,
      run: this.d.run,
      step: this.step,
      trajectories: r.trajectories,
    });
    this.postProgress();
    // Saved after the page has the step: its rows (the driver then checkpoints when due).
    await this.d.recorder?.step(r, this.step);
  }

  /** The periodic evaluation's held-out questions; what kept them from loading goes to the log. */
  private async heldOut(c: RunConfig): Promise<TaskItem[]> {
    const { items, warnings } = await heldOutItems(c, this.d.readText);
    for (const message of warnings) this.post({ type: 'log', level: 'warn', message });
    return items;
  }

  /** Saves the driver's checkpoint into the saved run (a no-op without a recorder). */
  private async saveCheckpoint(step: number, trainer: RlTrainer): Promise<void> {
    // Saved runs hold lab checkpoints; a pretrained student's adapters are not saved here yet.
    if (!this.d.recorder || !(trainer.model instanceof TransformerModel)) return;
    await this.d.recorder.checkpoint(step, () => trainerCheckpoint(trainer));
  }
}
