/**
 * The training run: start (fresh or resumed from a saved checkpoint), the controls that act on it
 * at once (pause, resume, step, stop, live config, teacher swap), and its trajectories' store.
 */
import type { CausalLM } from '../../engine/model/causalLM';
import { parseConfig, type RunConfig } from '../../contract/config';
import type { ResumePoint } from '../../engine/loop/resume';
import type { Tokenizer } from '../../engine/tokenizer';
import type { TeacherExtras } from '../protocol';
import type { RunRecorder } from '../runLibrary';
import { TrainingRun } from '../trainingRun';
import { TrajectoryStore } from '../trajectoryStore';
import { NOT_INITIALISED, type CommandOf, type SessionContext } from './context';
import type { LibraryHost } from './libraryHost';
import type { StageGate } from './stageGate';
import type { Student } from './student';

/** A run's name when the page gives none (the page names runs with state/runNames.ts). */
function defaultRunName(c: RunConfig): string {
  const algo = c.rl.algo === 'thinktuning' ? 'ThinkTuning' : 'GRPO';
  return `${algo} ${c.model.layers}×${c.model.dModel} seed ${c.seed}`;
}

export class RunHost {
  /** The current (or last) run. */
  run: TrainingRun | null = null;
  /** Runs started in this session (the current one's number). */
  started = 0;
  /** The steps' trajectories the page can inspect and export. */
  readonly store: TrajectoryStore;
  /** The saved run the current run records into. */
  private savedRunId: string | null = null;
  /** Step-through mode: awaited after each stage of a step while it is on (stageGate.ts). */
  stages?: StageGate;
  /** Told just before each RL step of run `run` with the student it starts from. */
  onBeforeStep?: (run: number, step: number, model: CausalLM) => void;

  constructor(
    private readonly ctx: SessionContext,
    private readonly student: Student,
    private readonly library: LibraryHost,
    /** The student of a run with student.source "hf" (pretrainedHost.ts). */
    private readonly pretrainedStudent: (
      c: RunConfig,
    ) => Promise<{ model: CausalLM; tokenizer: Tokenizer }>,
  ) {
    this.store = new TrajectoryStore(ctx.host.trajectoryBudgetBytes);
  }

  /** A run trains (or waits paused) now. */
  get active(): boolean {
    return this.run?.active === true;
  }

  /** Whether the live run records into saved run `runId`. */
  isRecording(runId: string): boolean {
    return runId === this.savedRunId && this.active;
  }

  /** Starts a run (stopping any current one). */
  async start(cmd: CommandOf<'start'>): Promise<void> {
    if (!this.student.model) throw new Error(NOT_INITIALISED);
    const valid = parseConfig(cmd.config);
    await this.stopCurrent();
    this.store.clear();
    const run = ++this.started;
    const name = cmd.name?.trim() || defaultRunName(valid);
    const recorder = await this.library.record(valid, name);
    this.ctx.host.post({
      type: 'run-started',
      id: cmd.id,
      run,
      config: valid,
      runId: recorder?.runId,
      name,
    });
    this.launch(run, valid, cmd.extras, cmd.paused, { recorder });
  }

  /**
   * Continues a saved run from its last checkpoint: weights, optimizer, RNG and data order from
   * the checkpoint, the charts' history from the stored rows. The current run (if another) stops.
   */
  async resumeSaved(cmd: CommandOf<'resume-run'>): Promise<void> {
    const { id, runId, extras } = cmd;
    if (!this.student.model) throw new Error(NOT_INITIALISED);
    if (this.isRecording(runId)) return this.run!.resume();
    await this.stopCurrent();
    const { post } = this.ctx.host;
    await this.library.use(async (lib) => {
      const p = await lib.prepareResume(runId);
      const config = parseConfig(p.record.config);
      this.store.clear();
      for (const t of p.trajectories) this.store.add(t.step, t.trajectories);
      const run = ++this.started;
      post({ type: 'run-started', id, run, config, runId, name: p.record.name });
      const { history, sftHistory } = p;
      post({ type: 'run-restored', run, runId, history, sftHistory });
      if (!p.point) {
        const message = `"${p.record.name}" had no checkpoint yet: it starts over from the beginning.`;
        post({ type: 'log', level: 'info', message });
      }
      const saved = { recorder: lib.recorder(runId), resume: p.point ?? undefined };
      this.launch(run, config, extras, false, saved);
      await lib.postRuns();
    });
  }

  /** Applies the live fields of a config to the running run (none when no run is active). */
  updateConfig(cmd: CommandOf<'update-config'>): void {
    const valid = parseConfig(cmd.config);
    const r = this.run?.active ? this.run.updateConfig(valid) : { applied: [], needsRestart: [] };
    this.ctx.host.post({ type: 'config-applied', id: cmd.id, ...r });
  }

  private async stopCurrent(): Promise<void> {
    if (!this.run?.active) return;
    this.run.stop();
    await this.run.done;
  }

  /** The TrainingRun for run number `run` (fresh, or resumed from a saved checkpoint). */
  private launch(
    run: number,
    config: RunConfig,
    extras: TeacherExtras,
    paused: boolean,
    saved: { recorder?: RunRecorder; resume?: ResumePoint },
  ): void {
    const { host } = this.ctx;
    this.savedRunId = saved.recorder?.runId ?? null;
    this.run = new TrainingRun({
      run,
      config,
      extras,
      paused,
      recorder: saved.recorder,
      resume: saved.resume,
      post: (e) => host.post(e),
      store: this.store,
      readText: host.readText,
      readStudentFile: host.readStudentFile,
      fetch: host.fetch,
      onStudent: (model, tokenizer) => {
        this.student.adopt(model, tokenizer, run);
        host.post({ type: 'model', id: null, model: this.student.summary() });
      },
      idle: () => this.ctx.studentWork,
      pretrained: config.student.source === 'hf' ? () => this.pretrainedStudent(config) : undefined,
      onBeforeStep: (step, model) => this.onBeforeStep?.(run, step, model),
      stages: this.stages,
    });
  }
}
