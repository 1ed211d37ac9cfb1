/**
 * The worker's state machine, free of worker globals so it also runs in Node: a thin dispatcher
 * over hosts (./hosts), one per job. Every protocol command has one line in the command table,
 * which is typed exhaustively: a new WorkerCommand without a handler does not compile.
 */
import * as tf from '@tensorflow/tfjs';
import type { WorkerCommand } from './protocol';
import type { CommandOf, SessionContext, SessionHost } from './hosts/context';
import { CompareHost } from './hosts/compareHost';
import { CounterfactualHost } from './hosts/counterfactualHost';
import { ImportHost } from './hosts/importHost';
import { LibraryHost } from './hosts/libraryHost';
import { ModelHost } from './hosts/modelHost';
import { PretrainedHost } from './hosts/pretrainedHost';
import { RunHost } from './hosts/runHost';
import { SearchHost } from './hosts/searchHost';
import { StageGate } from './hosts/stageGate';
import { Student } from './hosts/student';
import { TeacherHost } from './hosts/teacherHost';
import { TrajectoryHost } from './hosts/trajectoryHost';
import { VerlExportHost } from './hosts/verlExportHost';

export type { SessionHost } from './hosts/context';

type Handler<K extends WorkerCommand['type']> = (cmd: CommandOf<K>) => Promise<void>;

/** One handler per command type: the compiler checks that none is missing. */
export type CommandTable = { [K in WorkerCommand['type']]: Handler<K> };

/**
 * Owns the tfjs backend, the student model and its tokenizer (through its hosts). Control
 * commands (pause, stop, inspect...) act at once, even while a run trains; commands that use the
 * student wait their turn in one queue.
 */
export class LabSession {
  private readonly ctx: SessionContext;
  private readonly student = new Student();
  private readonly runs: RunHost;
  private readonly table: CommandTable;
  /** Work that uses the student exclusively (init, sampling, loading, starting), in order. */
  private exclusive: Promise<void> = Promise.resolve();

  constructor(host: SessionHost) {
    const ctx: SessionContext = { host, backendName: null, studentWork: Promise.resolve() };
    this.ctx = ctx;
    const student = this.student;
    const current = () => this.runs.run;
    const library = new LibraryHost(ctx, (id) => this.runs.isRecording(id));
    const pretrained = new PretrainedHost(ctx, student, current);
    const runs = new RunHost(ctx, student, library, (c) => pretrained.studentFor(c));
    this.runs = runs;
    // Step-through mode: a run's steps wait after each stage while it is on.
    const stages = new StageGate((e) => ctx.host.post(e));
    runs.stages = stages;
    const search = new SearchHost({
      post: (e) => ctx.host.post(e),
      live: () => ({ run: runs.started, store: runs.store }),
      saved: (runId) => library.use((lib) => lib.loadTrajectories(runId)),
    });
    const counterfactual = new CounterfactualHost(() => ({
      post: (e) => ctx.host.post(e),
      store: runs.store,
      config: runs.run?.config,
      model: student.model,
      tokenizer: student.tokenizer,
    }));
    // Pre-update weights of the last steps, for counterfactual replay.
    runs.onBeforeStep = (run, step, model) => counterfactual.snapshot(run, step, model);
    const model = new ModelHost(ctx, student, current);
    const trajectories = new TrajectoryHost(ctx, runs.store, () => runs.started);
    const teacher = new TeacherHost(ctx, () => runs.run?.config);
    const compare = new CompareHost(ctx, library, () => runs.active);
    const imports = new ImportHost(ctx);
    const verl = new VerlExportHost(ctx);

    // now: acts at once; queued: waits for the student; student: queued, and a run waits for it.
    const { now, queued, student: onStudent } = this.modes();
    this.table = {
      init: queued((c) => model.init(c)),
      sample: onStudent((c) => model.sample(c)),
      'load-model': onStudent((c) => model.load(c)),
      'plan-student': now((c) => model.planStudent(c)),
      'hf-inspect': now((c) => pretrained.inspect(c)),
      'hf-load': onStudent((c) => pretrained.load(c)),
      start: queued((c) => runs.start(c)),
      'resume-run': queued((c) => runs.resumeSaved(c)),
      pause: now(() => runs.run?.pause()),
      resume: now(() => runs.run?.resume()),
      step: now(() => runs.run?.stepOnce()),
      stop: now(() => runs.run?.stop()),
      'update-config': now((c) => runs.updateConfig(c)),
      'set-teacher': now((c) => runs.run?.setTeacher(c.settings)),
      'test-connection': now((c) => teacher.testConnection(c)),
      inspect: now((c) => trajectories.inspect(c)),
      export: now((c) => trajectories.export(c)),
      compare: queued((c) => compare.compare(c)),
      'compare-stop': now(() => compare.stop()),
      'list-runs': now((c) => library.list(c)),
      'rename-run': now((c) => library.rename(c)),
      'delete-run': now((c) => library.delete(c)),
      'export-run': now((c) => library.export(c)),
      'import-run': now((c) => library.import(c)),
      'read-metrics': now((c) => library.readMetrics(c)),
      'open-imported': now((c) => imports.open(c)),
      'read-imported-group': now((c) => imports.readGroup(c)),
      'close-imported': now((c) => imports.close(c)),
      'export-verl-job': now((c) => verl.export(c)),
      counterfactual: now((c) => counterfactual.replay(c.id, c.request)),
      'search-rollouts': now((c) => search.search(c)),
      'inspect-saved': now((c) => search.inspectSaved(c)),
      'stage-mode': now((c) => stages.setMode(c.on)),
      'stage-next': now(() => stages.next()),
    };
  }

  /**
   * Handles one command. Resolves when the command's own work is done (a run keeps going in the
   * background: see `runDone`); a failure is posted as an `error` event answering the command.
   */
  handle(cmd: WorkerCommand): Promise<void> {
    const handler = this.table[cmd.type] as (c: WorkerCommand) => Promise<void>;
    return handler(cmd);
  }

  /** Resolves when the current run (if any) has ended. */
  runDone(): Promise<void> {
    return this.runs.run?.done ?? Promise.resolve();
  }

  dispose(): void {
    this.runs.run?.stop();
    this.student.dispose();
    tf.disposeVariables();
  }

  /** The three ways a command runs, each posting its failure as an `error` answering it. */
  private modes() {
    const guard = async (id: number, work: () => unknown): Promise<void> => {
      try {
        await work();
      } catch (e) {
        this.ctx.host.post({ type: 'error', id, message: (e as Error).message });
      }
    };
    const now =
      <C extends WorkerCommand>(work: (cmd: C) => unknown) =>
      (cmd: C): Promise<void> =>
        guard(cmd.id, () => work(cmd));
    const queued =
      <C extends WorkerCommand>(work: (cmd: C) => unknown) =>
      (cmd: C): Promise<void> => {
        const next = this.exclusive.then(() => guard(cmd.id, () => work(cmd)));
        this.exclusive = next;
        return next;
      };
    const student =
      <C extends WorkerCommand>(work: (cmd: C) => unknown) =>
      (cmd: C): Promise<void> =>
        (this.ctx.studentWork = queued(work)(cmd));
    return { now, queued, student };
  }
}
