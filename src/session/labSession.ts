import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendPreference } from '../engine/backend/types';
import { parameterCount, TransformerModel } from '../engine/model/transformer';
import { sample } from '../engine/model/sample';
import { modelFromSafetensors } from '../engine/model/weights';
import {
  encodePrompt,
  tokenizerFromJSON,
  trainTokenizer,
  type Tokenizer,
} from '../engine/tokenizer';
import type { ModelConfig } from '../engine/model/config';
import { parseConfig, type RunConfig } from '../engine/config';
import type { ReadText } from '../engine/eval/sources';
import type { ConnectionReport } from '../engine/teacher';
import {
  assertNever,
  type ModelSummary,
  type SampleParams,
  type TeacherExtras,
  type TeacherSettings,
  type WorkerCommand,
  type WorkerEvent,
} from './protocol';
import { DEFAULT_CORPUS } from './defaultCorpus';
import { httpTeacher } from './teacherFactory';
import { TrainingRun } from './trainingRun';
import { TrajectoryStore } from './trajectoryStore';

/** Where the session runs: the worker injects browser backend selection, Node tests a stub. */
export interface SessionHost {
  post(event: WorkerEvent): void;
  selectBackend(pref: BackendPreference): Promise<BackendChoice>;
  /** Reads GSM8K files by URL (fetch in the browser). */
  readText?: ReadText;
  /** The fetch the HTTP teacher uses (default: the global one). */
  fetch?: typeof fetch;
  /** Memory budget of the kept trajectories, in bytes (default 64 MiB). */
  trajectoryBudgetBytes?: number;
}

const FRESH_MODEL: Omit<ModelConfig, 'vocab'> = {
  dModel: 64,
  layers: 2,
  heads: 4,
  context: 256,
  mlpRatio: 4,
};

/**
 * The worker's state machine, free of worker globals so it also runs in Node.
 * Owns the tfjs backend, the student model and its tokenizer.
 */
export class LabSession {
  private model: TransformerModel | null = null;
  private tokenizer: Tokenizer | null = null;
  private origin = 'fresh';
  private run: TrainingRun | null = null;
  private runs = 0;
  private readonly store: TrajectoryStore;
  /** Work that uses the student exclusively (init, sampling, loading, starting), in order. */
  private exclusive: Promise<void> = Promise.resolve();
  /** The last sampling or loading job: a run waits for it before its next step. */
  private studentWork: Promise<void> = Promise.resolve();

  constructor(private readonly host: SessionHost) {
    this.store = new TrajectoryStore(host.trajectoryBudgetBytes);
  }

  /**
   * Handles one command. Control commands (pause, stop, inspect...) act at once, even while a
   * run trains; commands that use the student wait their turn. Resolves when the command's own
   * work is done (a run keeps going in the background: see `runDone`).
   */
  handle(cmd: WorkerCommand): Promise<void> {
    const guard = async (work: () => unknown) => {
      try {
        await work();
      } catch (e) {
        this.host.post({ type: 'error', id: cmd.id, message: (e as Error).message });
      }
    };
    const queued = (work: () => unknown) => {
      const next = this.exclusive.then(() => guard(work));
      this.exclusive = next;
      return next;
    };
    switch (cmd.type) {
      case 'init':
        return queued(() => this.init(cmd.id, cmd.backend));
      case 'sample':
        return (this.studentWork = queued(() => this.sample(cmd.id, cmd.params)));
      case 'load-model':
        return (this.studentWork = queued(() => this.load(cmd.id, cmd.weights, cmd.tokenizerJson)));
      case 'start':
        return queued(() => this.start(cmd.id, cmd.config, cmd.extras, cmd.paused));
      case 'pause':
        return guard(() => this.run?.pause());
      case 'resume':
        return guard(() => this.run?.resume());
      case 'step':
        return guard(() => this.run?.stepOnce());
      case 'stop':
        return guard(() => this.run?.stop());
      case 'update-config':
        return guard(() => this.updateConfig(cmd.id, cmd.config));
      case 'set-teacher':
        return guard(() => this.run?.setTeacher(cmd.settings));
      case 'test-connection':
        return guard(() => this.testConnection(cmd.id, cmd.settings));
      case 'inspect':
        return guard(() => this.inspect(cmd.id, cmd.step));
      case 'export':
        return guard(() => this.exportSteps(cmd.id, cmd.step));
      default:
        return assertNever(cmd);
    }
  }

  /** Resolves when the current run (if any) has ended. */
  runDone(): Promise<void> {
    return this.run?.done ?? Promise.resolve();
  }

  private async start(
    id: number,
    config: RunConfig,
    extras: TeacherExtras,
    paused: boolean,
  ): Promise<void> {
    if (!this.model)
      throw new Error('The worker is not initialised yet; wait for the backend badge.');
    const valid = parseConfig(config);
    if (this.run?.active) {
      this.run.stop();
      await this.run.done;
    }
    this.store.clear();
    const run = ++this.runs;
    this.host.post({ type: 'run-started', id, run, config: valid });
    this.run = new TrainingRun({
      run,
      config: valid,
      extras,
      paused,
      post: (e) => this.host.post(e),
      store: this.store,
      readText: this.host.readText,
      fetch: this.host.fetch,
      onStudent: (model, tokenizer) => {
        if (this.model !== model) this.model?.dispose();
        this.model = model;
        this.tokenizer = tokenizer;
        this.origin = `run ${run}`;
        this.host.post({ type: 'model', id: null, model: this.summary() });
      },
      idle: () => this.studentWork,
    });
  }

  private updateConfig(id: number, config: RunConfig): void {
    const valid = parseConfig(config);
    if (!this.run?.active) {
      this.host.post({ type: 'config-applied', id, applied: [], needsRestart: [] });
      return;
    }
    const r = this.run.updateConfig(valid);
    this.host.post({ type: 'config-applied', id, ...r });
  }

  private async testConnection(id: number, s: TeacherSettings): Promise<void> {
    if (s.teacher.kind === 'builtin') {
      const lines = ['The built-in teacher runs inside the lab: there is nothing to connect to.'];
      const report: ConnectionReport = {
        ok: true,
        reachable: true,
        authOk: true,
        modelKnown: true,
        formatOk: true,
        logprobs: false,
        latencyMs: 0,
        lines,
        summary: lines.join(' '),
      };
      this.host.post({ type: 'connection', id, report });
      return;
    }
    const cfg = this.run?.config;
    const teacher = httpTeacher(
      s,
      { seed: cfg?.seed ?? 1, catchphrase: cfg?.reward.catchphrase ?? '' },
      this.host.fetch,
    );
    const report = await teacher.testConnection();
    this.host.post({ type: 'connection', id, report });
  }

  private inspect(id: number, step: number): void {
    const trajectories = this.store.get(step);
    if (!trajectories) throw new Error(this.missingStep(step));
    this.host.post({ type: 'trajectories', id, run: this.runs, step, trajectories });
  }

  private exportSteps(id: number, which: number | 'all'): void {
    const steps = which === 'all' ? this.store.steps() : [which];
    if (steps.length === 0) throw new Error('No trajectories to export yet: run a step first.');
    if (which !== 'all' && !this.store.get(which)) throw new Error(this.missingStep(which));
    const filename =
      which === 'all'
        ? `trajectories-run${this.runs}-steps${steps[0]}-${steps[steps.length - 1]}.jsonl`
        : `trajectories-run${this.runs}-step${which}.jsonl`;
    this.host.post({ type: 'exported', id, filename, jsonl: this.store.toJsonl(steps), steps });
  }

  private missingStep(step: number): string {
    const kept = this.store.steps();
    return kept.length === 0
      ? `No trajectories are kept yet (step ${step} asked for).`
      : `Step ${step} is not kept: the worker keeps steps ${kept[0]}–${kept[kept.length - 1]} within its memory budget.`;
  }

  private summary(): ModelSummary {
    const m = this.model!;
    return {
      ...m.config,
      parameters: parameterCount(m),
      tokenizer: this.tokenizer!.kind,
      origin: this.origin,
    };
  }

  private async init(id: number, pref: BackendPreference): Promise<void> {
    const choice = await this.host.selectBackend(pref);
    this.tokenizer = trainTokenizer('char', DEFAULT_CORPUS);
    this.model?.dispose();
    this.model = TransformerModel.create({ ...FRESH_MODEL, vocab: this.tokenizer.vocabSize }, 1);
    this.origin = 'fresh';
    this.host.post({ type: 'ready', id, ...choice, model: this.summary() });
  }

  private load(id: number, weights: ArrayBuffer, tokenizerJson: string): void {
    if (this.run?.active) throw new Error('Stop the run before loading other weights.');
    const tok = tokenizerFromJSON(tokenizerJson);
    const model = modelFromSafetensors(new Uint8Array(weights));
    if (model.config.vocab !== tok.vocabSize) {
      model.dispose();
      throw new Error(
        `The weights expect a vocabulary of ${model.config.vocab} tokens but tokenizer.json has ${tok.vocabSize}; load the tokenizer saved with these weights.`,
      );
    }
    this.model?.dispose();
    this.model = model;
    this.tokenizer = tok;
    this.origin = 'loaded';
    this.host.post({ type: 'model', id, model: this.summary() });
  }

  private async sample(id: number, p: SampleParams): Promise<void> {
    if (!this.model || !this.tokenizer)
      throw new Error('The worker is not initialised yet; wait for the backend badge.');
    if (this.run?.active && !this.run.waiting)
      throw new Error('The student is training: pause the run to sample from it.');
    if (!(p.n >= 1 && p.n <= 256))
      throw new Error(`Number of samples must be between 1 and 256 (got ${p.n}).`);
    const tok = this.tokenizer;
    const prompt = encodePrompt(tok, [{ role: 'user', content: p.prompt }]);
    const t0 = performance.now();
    const res = await sample(
      this.model,
      Array.from({ length: p.n }, () => prompt),
      {
        maxNewTokens: p.maxNewTokens,
        temperature: p.temperature,
        topP: p.topP,
        seed: p.seed,
        eosId: tok.eosId,
        padId: tok.padId,
      },
    );
    const ms = performance.now() - t0;
    const total = res.tokens.reduce((a, t) => a + t.length, 0);
    this.host.post({
      type: 'samples',
      id,
      ms,
      tokensPerSecond: total / (ms / 1000),
      completions: res.tokens.map((t, i) => ({
        text: tok.decode(t, { skipSpecial: true }),
        tokens: t.length,
        finished: res.finished[i],
      })),
    });
  }

  dispose(): void {
    this.run?.stop();
    this.model?.dispose();
    this.model = null;
    tf.disposeVariables();
  }
}
