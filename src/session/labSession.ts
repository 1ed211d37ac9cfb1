import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendPreference } from '../engine/backend/types';
import { parameterCount, TransformerModel } from '../engine/model/transformer';
import type { CausalLM } from '../engine/model/causalLM';
import { LlamaModel } from '../engine/model/llama';
import { llamaParameterCount } from '../engine/model/llamaConfig';
import { loadHfModel, type LoadedHfModel } from '../engine/hf/load';
import { sourceFromUrl } from '../engine/hf/source';
import { loraOptionsFromConfig } from '../engine/hf/student';
import { hfSourceOf, inspectPretrained } from './pretrained';
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
import { buildTokenizer, loadItems, type ReadText } from '../engine/eval/sources';
import type { ConnectionReport } from '../engine/teacher';
import { describeBudget } from '../engine/experiments/budget';
import { runComparison } from '../engine/experiments/comparison';
import { comparisonArmName, type Method } from '../engine/experiments/table';
import type { StepMetrics } from '../engine/loop/types';
import {
  assertNever,
  type ModelSummary,
  type PretrainedSource,
  type SampleParams,
  type TeacherExtras,
  type TeacherSettings,
  type WorkerCommand,
  type WorkerEvent,
} from './protocol';
import { DEFAULT_CORPUS } from './defaultCorpus';
import { httpTeacher, teacherFromSettings } from './teacherFactory';
import type { ResumePoint } from '../engine/loop/resume';
import type { RunStore, StorageUsage } from '../storage/runStore';
import { RunLibrary, type RunRecorder } from './runLibrary';
import { TrainingRun } from './trainingRun';
import { speedProbeMs } from '../engine/backend/speedProbe';
import type { ReadStudentFile } from '../engine/students/load';
import { TrajectoryStore } from './trajectoryStore';
import { StageGate } from './stageGate';
import { SearchHost } from './searchHost';

/** Where the session runs: the worker injects browser backend selection, Node tests a stub. */
export interface SessionHost {
  post(event: WorkerEvent): void;
  selectBackend(pref: BackendPreference): Promise<BackendChoice>;
  /** Reads GSM8K files by URL (fetch in the browser). */
  readText?: ReadText;
  /** Reads the shipped warm-up students (fetch from the app's origin; files in Node). */
  readStudentFile?: ReadStudentFile;
  /** The fetch the HTTP teacher uses (default: the global one). */
  fetch?: typeof fetch;
  /** Memory budget of the kept trajectories, in bytes (default 64 MiB). */
  trajectoryBudgetBytes?: number;
  /** Opens the saved-runs store (IndexedDB + OPFS in the worker); absent: runs are not saved. */
  openRunStore?: () => Promise<RunStore>;
  /** Storage used / quota (navigator.storage.estimate in the worker). */
  estimateStorage?: () => Promise<StorageUsage | null>;
}

const FRESH_MODEL: Omit<ModelConfig, 'vocab'> = {
  dModel: 64,
  layers: 2,
  heads: 4,
  context: 256,
  mlpRatio: 4,
};

/** A run's name when the page gives none (the page names runs with state/runNames.ts). */
function defaultRunName(c: RunConfig): string {
  const algo = c.rl.algo === 'thinktuning' ? 'ThinkTuning' : 'GRPO';
  return `${algo} ${c.model.layers}×${c.model.dModel} seed ${c.seed}`;
}

/**
 * The worker's state machine, free of worker globals so it also runs in Node.
 * Owns the tfjs backend, the student model and its tokenizer.
 */
export class LabSession {
  private model: CausalLM | null = null;
  /** A loaded pretrained model, frozen: sampled from, and copied by each run that trains it. */
  private pretrained: LoadedHfModel | null = null;
  private tokenizer: Tokenizer | null = null;
  private origin = 'fresh';
  private run: TrainingRun | null = null;
  private runs = 0;
  private readonly store: TrajectoryStore;
  /** Work that uses the student exclusively (init, sampling, loading, starting), in order. */
  private exclusive: Promise<void> = Promise.resolve();
  /** Stops the comparison in progress (null when none runs). */
  private comparison: AbortController | null = null;
  /** The last sampling or loading job: a run waits for it before its next step. */
  private studentWork: Promise<void> = Promise.resolve();
  /** Saved runs (opened on first use; null when the host has no store or it failed to open). */
  private library: Promise<RunLibrary | null> | null = null;
  /** The saved run the current run records into. */
  private savedRunId: string | null = null;
  private backendName: string | null = null;

  /** Step-through mode (stageGate.ts) and rollout search (searchHost.ts). */
  private readonly stages: StageGate;
  private readonly search: SearchHost;

  constructor(private readonly host: SessionHost) {
    this.store = new TrajectoryStore(host.trajectoryBudgetBytes);
    this.stages = new StageGate((e) => host.post(e));
    this.search = new SearchHost({
      post: (e) => host.post(e),
      live: () => ({ run: this.runs, store: this.store }),
      saved: async (runId) => {
        const lib = await this.openLibrary();
        if (!lib) throw new Error('Saved runs cannot be read in this browser (no storage).');
        return lib.loadTrajectories(runId);
      },
    });
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
      case 'hf-inspect':
        return guard(async () => {
          const info = await inspectPretrained(cmd.source, cmd.student, this.host.fetch);
          this.host.post({ type: 'hf-info', id: cmd.id, info });
        });
      case 'hf-load':
        return (this.studentWork = queued(() => this.loadPretrained(cmd.id, cmd.source)));
      case 'start':
        return queued(() => this.start(cmd.id, cmd.config, cmd.extras, cmd.paused, cmd.name));
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
      case 'compare':
        return queued(() => this.compare(cmd));
      case 'compare-stop':
        return guard(() => this.comparison?.abort());
      case 'list-runs':
        return guard(() => this.withLibrary((lib) => lib.postRuns(cmd.id)));
      case 'rename-run':
        return guard(() => this.changeRuns((lib) => lib.rename(cmd.runId, cmd.name)));
      case 'delete-run':
        return guard(() => this.deleteSaved(cmd.runId));
      case 'export-run':
        return guard(() => this.exportSaved(cmd.id, cmd.runId));
      case 'import-run':
        return guard(() => this.importSaved(cmd.bytes, cmd.filename));
      case 'resume-run':
        return queued(() => this.resumeSaved(cmd.id, cmd.runId, cmd.extras));
      case 'plan-student':
        return guard(() => this.planStudent(cmd.id, cmd.config, cmd.key));
      case 'search-rollouts':
        return guard(() => this.search.search(cmd));
      case 'inspect-saved':
        return guard(() => this.search.inspectSaved(cmd));
      case 'stage-mode':
        return guard(() => this.stages.setMode(cmd.on));
      case 'stage-next':
        return guard(() => this.stages.next());
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
    given?: string,
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
    const name = given?.trim() || defaultRunName(valid);
    const recorder = await this.record(valid, name);
    this.host.post({ type: 'run-started', id, run, config: valid, runId: recorder?.runId, name });
    this.launch(run, valid, extras, paused, { recorder });
  }

  /** The TrainingRun for run number `run` (fresh, or resumed from a saved checkpoint). */
  private launch(
    run: number,
    config: RunConfig,
    extras: TeacherExtras,
    paused: boolean,
    saved: { recorder?: RunRecorder; resume?: ResumePoint },
  ): void {
    this.savedRunId = saved.recorder?.runId ?? null;
    this.run = new TrainingRun({
      run,
      config,
      extras,
      paused,
      recorder: saved.recorder,
      resume: saved.resume,
      post: (e) => this.host.post(e),
      store: this.store,
      stages: this.stages,
      readText: this.host.readText,
      readStudentFile: this.host.readStudentFile,
      fetch: this.host.fetch,
      onStudent: (model, tokenizer) => {
        const keep = this.pretrained;
        if (this.model !== model && this.model !== keep?.model) this.model?.dispose();
        this.model = model;
        this.tokenizer = tokenizer;
        this.origin =
          keep && model instanceof LlamaModel ? `run ${run} on ${keep.label}` : `run ${run}`;
        this.host.post({ type: 'model', id: null, model: this.summary() });
      },
      idle: () => this.studentWork,
      pretrained: config.student.source === 'hf' ? () => this.pretrainedStudent(config) : undefined,
    });
  }

  // ---- pretrained students (Hugging Face folders) -------------------------------------------

  /** Loads a model folder as the student (frozen; a run trains a copy). */
  private async loadPretrained(id: number, source: PretrainedSource): Promise<void> {
    if (this.run?.active) throw new Error('Stop the run before loading another model.');
    const loaded = await loadHfModel(hfSourceOf(source, this.host.fetch), {
      lora: null,
      frozen: true,
      onProgress: (progress) => this.host.post({ type: 'hf-progress', id, progress }),
    });
    this.setModel(loaded.model, loaded.tokenizer, loaded.label);
    this.pretrained = loaded;
    this.host.post({ type: 'model', id, model: this.summary() });
  }

  /**
   * The student of a run with student.source "hf": a trainable copy of the loaded model when
   * student.hf is empty or names it, else the folder at the student.hf URL.
   */
  private async pretrainedStudent(
    c: RunConfig,
  ): Promise<{ model: CausalLM; tokenizer: Tokenizer }> {
    const lora = loraOptionsFromConfig(c);
    const url = c.student.hf;
    const held = this.pretrained;
    if (held && (url === '' || url.replace(/\/?$/, '/') === held.label))
      return { model: held.model.withTraining({ lora }), tokenizer: held.tokenizer };
    if (!url)
      throw new Error(
        'student.source is "hf" but no pretrained model is loaded: load one in the Model panel, or set student.hf to its URL.',
      );
    const loaded = await loadHfModel(sourceFromUrl(url, this.host.fetch ?? fetch), {
      lora,
      onProgress: (progress) => this.host.post({ type: 'hf-progress', id: null, progress }),
    });
    return { model: loaded.model, tokenizer: loaded.tokenizer };
  }

  /** Replaces the student (a frozen pretrained model is dropped too unless it stays in use). */
  private setModel(model: CausalLM, tokenizer: Tokenizer, origin: string): void {
    if (this.model !== model && this.model !== this.pretrained?.model) this.model?.dispose();
    if (this.pretrained && this.pretrained.model !== model) {
      this.pretrained.model.dispose(); // a run's LoRA copy keeps the shared weights alive
      this.pretrained = null;
    }
    this.model = model;
    this.tokenizer = tokenizer;
    this.origin = origin;
  }

  // ---- saved runs (src/storage through runLibrary.ts) -------------------------------------

  /** The saved-runs library, opened once; null (with one warning) when runs cannot be saved. */
  private openLibrary(): Promise<RunLibrary | null> {
    this.library ??= (async () => {
      if (!this.host.openRunStore) return null;
      try {
        const store = await this.host.openRunStore();
        const estimate = this.host.estimateStorage ?? (async () => null);
        const lib = new RunLibrary(store, (e) => this.host.post(e), estimate);
        await lib.init((id) => id === this.savedRunId && this.run?.active === true);
        return lib;
      } catch (e) {
        const message = `Runs will not be saved across reloads: ${(e as Error).message}`;
        this.host.post({ type: 'log', level: 'warn', message });
        return null;
      }
    })();
    return this.library;
  }

  private async withLibrary<T>(work: (lib: RunLibrary) => Promise<T>): Promise<T> {
    const lib = await this.openLibrary();
    if (!lib)
      throw new Error(
        'Saved runs are not available here (no IndexedDB, e.g. a private window): runs are not kept across reloads.',
      );
    return work(lib);
  }

  /** A change to the saved runs, then the updated list. */
  private changeRuns(work: (lib: RunLibrary) => Promise<unknown>): Promise<void> {
    return this.withLibrary(async (lib) => {
      await work(lib);
      await lib.postRuns();
    });
  }

  /** Starts saving a new run; null when runs are not saved (the run trains all the same). */
  private async record(config: RunConfig, name: string): Promise<RunRecorder | undefined> {
    const lib = await this.openLibrary();
    if (!lib) return undefined;
    try {
      return await lib.begin(config, name, this.backendName);
    } catch (e) {
      const message = `This run will not be saved: ${(e as Error).message}`;
      this.host.post({ type: 'log', level: 'warn', message });
      return undefined;
    }
  }

  private deleteSaved(runId: string): Promise<void> {
    if (runId === this.savedRunId && this.run?.active)
      throw new Error('This run is training: stop it before deleting it.');
    return this.changeRuns((lib) => lib.delete(runId));
  }

  private exportSaved(id: number, runId: string): Promise<void> {
    return this.withLibrary(async (lib) => {
      const { filename, bytes } = await lib.exportRun(runId);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      this.host.post({ type: 'run-bundle', id, filename, bytes: buffer as ArrayBuffer });
    });
  }

  private importSaved(bytes: ArrayBuffer, filename: string): Promise<void> {
    return this.changeRuns(async (lib) => {
      const run = await lib.importRun(new Uint8Array(bytes), filename);
      const cp = run.checkpoint ? `, checkpoint at step ${run.checkpoint.step}` : ', no checkpoint';
      const message = `Imported "${run.name}" from ${filename}: ${run.step} steps${cp}.`;
      this.host.post({ type: 'log', level: 'info', message });
    });
  }

  /**
   * Continues a saved run from its last checkpoint: weights, optimizer, RNG and data order from
   * the checkpoint, the charts' history from the stored rows. The current run (if another) stops.
   */
  private async resumeSaved(id: number, runId: string, extras: TeacherExtras): Promise<void> {
    if (!this.model)
      throw new Error('The worker is not initialised yet; wait for the backend badge.');
    if (runId === this.savedRunId && this.run?.active) return this.run.resume();
    if (this.run?.active) {
      this.run.stop();
      await this.run.done;
    }
    await this.withLibrary(async (lib) => {
      const p = await lib.prepareResume(runId);
      const config = parseConfig(p.record.config);
      this.store.clear();
      for (const t of p.trajectories) this.store.add(t.step, t.trajectories);
      const run = ++this.runs;
      this.host.post({ type: 'run-started', id, run, config, runId, name: p.record.name });
      const { history, sftHistory } = p;
      this.host.post({ type: 'run-restored', run, runId, history, sftHistory });
      if (!p.point) {
        const message = `"${p.record.name}" had no checkpoint yet: it starts over from the beginning.`;
        this.host.post({ type: 'log', level: 'info', message });
      }
      const saved = { recorder: lib.recorder(runId), resume: p.point ?? undefined };
      this.launch(run, config, extras, false, saved);
      await lib.postRuns();
    });
  }

  /**
   * The paper's comparison (engine/experiments): its own students from one warm-up, so the lab's
   * student is untouched. Holds the queue while it runs: a start or a sampling job waits for it.
   */
  private async compare(cmd: Extract<WorkerCommand, { type: 'compare' }>): Promise<void> {
    const { id, config, extras, starIterations } = cmd;
    if (this.run?.active)
      throw new Error(
        'Stop the training run before running the comparison: both need the CPU/GPU.',
      );
    const valid = parseConfig(config);
    const abort = new AbortController();
    this.comparison = abort;
    const histories = new Map<Method, StepMetrics[]>();
    try {
      const teacher = teacherFromSettings(
        valid,
        { teacher: valid.teacher, ...extras },
        this.host.fetch,
      );
      const result = await runComparison(valid, {
        readText: this.host.readText,
        readStudentFile: this.host.readStudentFile,
        teacher,
        starIterations,
        signal: abort.signal,
        onProgress: (progress) => this.host.post({ type: 'compare-progress', id, progress }),
        onArmStep: (method, m) => {
          histories.set(method, [...(histories.get(method) ?? []), m]);
          this.host.post({ type: 'compare-metrics', id, method, metrics: [m] });
        },
        onRow: async (row) => {
          const runId = await this.saveArm(valid, cmd.label, row.method, histories.get(row.method));
          this.host.post({ type: 'compare-row', id, row, ...(runId ? { runId } : {}) });
        },
      });
      const { warmup: _warmup, ...rest } = result;
      this.host.post({
        type: 'compare-done',
        id,
        result: rest,
        budgetText: describeBudget(result.budget, valid),
      });
    } finally {
      this.comparison = null;
    }
  }

  /**
   * Saves a trained arm as a finished run (the run list and the compare view list it after a
   * reload); undefined when runs are not saved or nothing was trained (zero-shot).
   */
  private async saveArm(
    config: RunConfig,
    label: string,
    method: Method,
    metrics: StepMetrics[] | undefined,
  ): Promise<string | undefined> {
    if (!metrics?.length) return undefined;
    const lib = await this.openLibrary();
    if (!lib) return undefined;
    try {
      const algo = method === 'grpo' || method === 'thinktuning' ? method : config.rl.algo;
      const record = await lib.saveFinished({
        name: comparisonArmName(method, label, config.seed),
        config: { ...config, rl: { ...config.rl, algo } },
        backend: this.backendName,
        origin: `comparison:${method}`,
        metrics,
      });
      return record.id;
    } catch (e) {
      this.host.post({
        type: 'log',
        level: 'warn',
        message: `Saving the comparison's ${method} arm failed: ${(e as Error).message} The comparison goes on.`,
      });
      return undefined;
    }
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

  /**
   * A char tokenizer's vocabulary is the data's characters: built here from the run's training
   * questions (generated ones; GSM8K files are not fetched for it). BPE's is its set size.
   */
  private async planStudent(id: number, config: RunConfig, key: string): Promise<void> {
    const c = parseConfig(config);
    let vocab: number | null = c.tokenizer.kind === 'bpe' ? c.tokenizer.vocabSize : null;
    if (c.tokenizer.kind === 'char' && c.data.source !== 'gsm8k') {
      const { items } = await loadItems(c.data, 'train');
      vocab = buildTokenizer(c, items).vocabSize;
    }
    this.host.post({ type: 'student-plan', id, key, vocab });
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
    if (m instanceof LlamaModel) {
      const c = m.config;
      return {
        parameters: llamaParameterCount(c),
        dModel: c.hidden,
        layers: c.layers,
        heads: c.heads,
        context: c.context,
        vocab: c.vocab,
        tokenizer: this.tokenizer!.kind,
        origin: this.origin,
      };
    }
    const tm = m as TransformerModel;
    return {
      ...tm.config,
      parameters: parameterCount(tm),
      tokenizer: this.tokenizer!.kind,
      origin: this.origin,
    };
  }

  private async init(id: number, pref: BackendPreference): Promise<void> {
    const choice = await this.host.selectBackend(pref);
    this.backendName = choice.backend;
    const tok = trainTokenizer('char', DEFAULT_CORPUS);
    this.setModel(
      TransformerModel.create({ ...FRESH_MODEL, vocab: tok.vocabSize }, 1),
      tok,
      'fresh',
    );
    // A short probe of this backend's speed: the preset picker scales the bench's figures by it.
    const probeMs = await speedProbeMs().catch(() => null);
    this.host.post({ type: 'ready', id, ...choice, model: this.summary(), probeMs });
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
    this.setModel(model, tok, 'loaded');
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
