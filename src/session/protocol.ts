/**
 * The one typed protocol between the UI (main thread) and the trainer worker.
 * Commands flow in, events flow out; a command's `id` is echoed by the events that answer it.
 * Types only: no runtime code lives here (except the exhaustiveness guard), so both sides
 * import it freely.
 */
import type { CounterfactualRequest, CounterfactualResult } from '../contract/counterfactual';
import type { TeacherPhaseStatus } from '../contract/teacher';
import type { AdapterInfo, BackendName, BackendPreference } from '../contract/backend';
import type { RunConfig } from '../contract/config';
import type { RunHalt, Trajectory } from '../contract/loopRecords';
import type { StepMetrics } from '../contract/metrics';
import type { ComparisonProgress, ComparisonResult } from '../contract/comparison';
import type { Method, ResultsRow } from '../contract/resultsTable';
import type { SftStepMetrics } from '../contract/sftMetrics';
import type { HfLoadProgress } from '../contract/pretrained';
import type { MemoryEstimate } from '../contract/pretrained';
import type { TeacherPromptConfig } from '../contract/teacherPrompt';
import type { ConnectionReport } from '../contract/teacher';
import type { RunRecord } from '../contract/runRecord';
import type { StorageUsage } from '../contract/storageUsage';
import type { ImportedRun, ImportProgress, RolloutDetail } from '../contract/importedRun';
import type { RolloutQuery, RolloutSearchResult, RolloutSource } from '../contract/rolloutSearch';
import type { StageSummary } from '../contract/stages';

export interface SampleParams {
  /** The user's prompt (wrapped in the chat format by the worker). */
  prompt: string;
  /** How many completions to sample at once (one batch). */
  n: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  seed: number;
}

/**
 * What the teacher needs beyond `config.teacher`: the API key (memory only, never part of a
 * config, a URL or an export) and the editable prompt (null: the default prompt).
 */
export interface TeacherExtras {
  apiKey?: string;
  prompt: TeacherPromptConfig | null;
}

/** The teacher section of a config plus its extras. */
export interface TeacherSettings extends TeacherExtras {
  teacher: RunConfig['teacher'];
}

export type WorkerCommand =
  | { type: 'init'; id: number; backend: BackendPreference }
  | { type: 'sample'; id: number; params: SampleParams }
  | { type: 'load-model'; id: number; weights: ArrayBuffer; tokenizerJson: string }
  /** Reads a pretrained model folder's config.json: shape and memory estimate (hf-info). */
  | { type: 'hf-inspect'; id: number; source: PretrainedSource; student: RunConfig['student'] }
  /** Loads a pretrained model folder as the student (hf-progress events, then model). */
  | { type: 'hf-load'; id: number; source: PretrainedSource }
  /** Starts a run (stopping any current one). `paused` + `steps` = "step once" from idle. */
  | {
      type: 'start';
      id: number;
      config: RunConfig;
      extras: TeacherExtras;
      paused: boolean;
      /** The run's name in the run list (default: algorithm, shape and seed). */
      name?: string;
    }
  | { type: 'pause'; id: number }
  | { type: 'resume'; id: number }
  /** One more step (an SFT step during warm-up), then pause; starts nothing when idle. */
  | { type: 'step'; id: number }
  | { type: 'stop'; id: number }
  /** Applies the live fields of `config` (see liveConfig.ts) to the running trainer. */
  | { type: 'update-config'; id: number; config: RunConfig }
  /** Swaps the running run's teacher from the next teacher call on. */
  | { type: 'set-teacher'; id: number; settings: TeacherSettings }
  | { type: 'test-connection'; id: number; settings: TeacherSettings }
  /** Asks for one stored step's trajectories. */
  | { type: 'inspect'; id: number; step: number }
  /** Asks for one stored step's trajectories as JSONL (or every stored step). */
  | { type: 'export'; id: number; step: number | 'all' }
  /**
   * Runs the paper's comparison (zero-shot, SFT, STaR, GRPO, ThinkTuning from one warm-up) on
   * `config`; refused while a run trains. Answered by compare-* events carrying this id.
   */
  | {
      type: 'compare';
      id: number;
      config: RunConfig;
      extras: TeacherExtras;
      starIterations?: number;
      /** Names the arms' saved runs: "comparison 14:05" (comparisonArmName). */
      label: string;
    }
  /** Stops the comparison after its current step; the finished rows are kept. */
  | { type: 'compare-stop'; id: number }
  /** Saved runs (src/storage): answered by a `runs` event. */
  | { type: 'list-runs'; id: number }
  | { type: 'rename-run'; id: number; runId: string; name: string }
  | { type: 'delete-run'; id: number; runId: string }
  /** Answered by `run-bundle` (a ZIP: storage/bundle.ts). */
  | { type: 'export-run'; id: number; runId: string }
  | { type: 'import-run'; id: number; filename: string; bytes: ArrayBuffer }
  /** Continues a saved run from its last checkpoint (stopping any current run). */
  | { type: 'resume-run'; id: number; runId: string; extras: TeacherExtras }
  /**
   * The vocabulary a char tokenizer would get from `config`'s data (the Model panel's count
   * before Start); answered by `student-plan` echoing `key`.
   */
  | { type: 'plan-student'; id: number; config: RunConfig; key: string }
  /** Saved runs' metrics rows (the compare view's overlays); answered by `run-metrics`. */
  | { type: 'read-metrics'; id: number; runIds: string[] }
  /**
   * Opens picked files (a verl / TRL / lab run folder) read-only: imported-progress events, then
   * `imported-opened`. The worker keeps the index; texts stay in the files until shown.
   */
  | {
      type: 'open-imported';
      id: number;
      /** The page's name for the opened run (later commands name it; unique in the page). */
      openedId: string;
      name: string;
      files: Array<{ name: string; file: Blob }>;
    }
  /** One group's rollouts of an opened run, read back from its files (`imported-group`). */
  | { type: 'read-imported-group'; id: number; openedId: string; group: number }
  /** Forgets an opened run (its files are no longer read); answers nothing. */
  | { type: 'close-imported'; id: number; openedId: string }
  /** A saved run's config as a verl job folder in one ZIP; answered by `verl-job`. */
  | { type: 'export-verl-job'; id: number; config: RunConfig; name: string }
  /**
   * Replays one group of a kept step with edits, at that step's pre-update weights, without
   * changing the run (counterfactualHost.ts); answered by a `counterfactual` event.
   */
  | { type: 'counterfactual'; id: number; request: CounterfactualRequest }
  /** Searches kept trajectories (live run or a saved run); answered by `rollout-results`. */
  | { type: 'search-rollouts'; id: number; source: RolloutSource; query: RolloutQuery }
  /** One step of a saved run in the inspector; answered by `trajectories` with this id. */
  | { type: 'inspect-saved'; id: number; runId: string; step: number }
  /** Step-through mode on or off: steps pause after each stage (a `stage` event) until… */
  | { type: 'stage-mode'; id: number; on: boolean }
  /** …the next stage is asked for. */
  | { type: 'stage-next'; id: number };

/**
 * What the page shows of a run opened read-only: the index without its per-rollout columns and
 * file handles (those stay in the worker, which reads rollouts back on demand).
 */
export type OpenedRunIndex = Pick<
  ImportedRun,
  | 'format'
  | 'name'
  | 'facts'
  | 'steps'
  | 'groups'
  | 'componentNames'
  | 'problems'
  | 'problemCount'
  | 'duplicates'
  | 'bytes'
> & {
  /** Rollouts indexed. */
  rollouts: number;
  /** Files read. */
  fileCount: number;
};

export interface ModelSummary {
  parameters: number;
  dModel: number;
  layers: number;
  heads: number;
  context: number;
  vocab: number;
  tokenizer: 'char' | 'bpe' | 'hf';
  /** 'fresh' (random init from a seed), the loaded file's name, or the run it came from. */
  origin: string;
}

export interface Completion {
  text: string;
  tokens: number;
  finished: boolean;
}

/** Where a run is: idle (none yet), running, paused, or ended one of three ways. */
export type RunStatus = 'idle' | 'running' | 'paused' | 'stopping' | 'done' | 'stopped' | 'failed';

/** What a running run is doing now. `teacher` and `update` are seen from the teacher's calls. */
export type RunPhase = 'preparing' | 'warm-up' | 'rollout' | 'teacher' | 'update' | 'evaluating';

export interface RunProgress {
  status: RunStatus;
  /** null between steps and when no run is active. */
  phase: RunPhase | null;
  /** Paused and waiting between steps (nothing computes). */
  waiting: boolean;
  /** RL steps finished. */
  step: number;
  totalSteps: number;
  /** Warm-up SFT steps finished, of `sftSteps`. */
  sftStep: number;
  sftSteps: number;
  /** Seconds left at the recent pace (null until a step has been timed). */
  etaSeconds: number | null;
  /** False while no RL step has been timed yet: the ETA then covers the warm-up only. */
  etaCoversRl: boolean;
  /** In the teacher phase: what it waits for (calls pending, answered, failed; the deadline). */
  teacherWait?: TeacherPhaseStatus;
}

/** Which steps' trajectories the worker still holds (oldest dropped first, within a budget). */
export interface StoredSteps {
  steps: number[];
  bytes: number;
  budgetBytes: number;
}

export type WorkerEvent =
  | {
      type: 'ready';
      id: number;
      backend: BackendName;
      adapter: AdapterInfo | null;
      reason: string;
      /** wasm: the threads it runs on. */
      threads?: number;
      model: ModelSummary;
      /** Median ms of the backend speed probe (engine/backend/speedProbe.ts); null if it failed. */
      probeMs: number | null;
    }
  | { type: 'samples'; id: number; completions: Completion[]; tokensPerSecond: number; ms: number }
  | { type: 'model'; id: number | null; model: ModelSummary }
  /** A run began: its config (after live updates it changes; see update-config). */
  | {
      type: 'run-started';
      id: number;
      run: number;
      config: RunConfig;
      /** The saved run it records into (absent when runs are not saved). */
      runId?: string;
      /** Its name (the saved run's, when it is saved). */
      name: string;
    }
  /** A resumed run's history up to its checkpoint (follows its run-started). */
  | {
      type: 'run-restored';
      run: number;
      runId: string;
      history: StepMetrics[];
      sftHistory: SftStepMetrics[];
    }
  /** The saved runs, newest first, and the origin's storage use (null when unknown). */
  | {
      type: 'runs';
      id: number | null;
      runs: RunRecord[];
      storage: StorageUsage | null;
      /** Where checkpoint files live: "OPFS" or "IndexedDB". */
      blobs: string;
    }
  | { type: 'run-bundle'; id: number; filename: string; bytes: ArrayBuffer }
  | { type: 'progress'; run: number; progress: RunProgress }
  /** Warm-up SFT steps since the last such event (batched to spare the page). */
  | { type: 'sft-metrics'; run: number; metrics: SftStepMetrics[] }
  /** One RL step finished. `step` is 1-based (= metrics.step). */
  | {
      type: 'metrics';
      run: number;
      step: number;
      metrics: StepMetrics;
      teacherFailures: Record<string, number>;
      notes: string[];
      stored: StoredSteps;
    }
  /** A step's trajectories: pushed after each step (id null) or answering `inspect`. */
  | {
      type: 'trajectories';
      id: number | null;
      run: number;
      step: number;
      trajectories: Trajectory[];
    }
  | { type: 'connection'; id: number; report: ConnectionReport }
  | { type: 'exported'; id: number; filename: string; jsonl: string; steps: number[] }
  | { type: 'config-applied'; id: number; applied: string[]; needsRestart: string[] }
  /** Where the comparison started by command `id` is. */
  | { type: 'compare-progress'; id: number; progress: ComparisonProgress }
  /** One arm's new metrics rows (RL steps, STaR iterations, SFT updates). */
  | { type: 'compare-metrics'; id: number; method: Method; metrics: StepMetrics[] }
  /** One method trained and evaluated: its row of the table; `runId`: its saved run, if saved. */
  | { type: 'compare-row'; id: number; row: ResultsRow; runId?: string }
  /** The comparison ended (finished or stopped); `budgetText` describes the equal budget. */
  | {
      type: 'compare-done';
      id: number;
      result: Omit<ComparisonResult, 'warmup'>;
      budgetText: string[];
    }
  /** The run paused itself (rl.maxNonFiniteSteps non-finite steps in a row); resume continues. */
  | { type: 'run-halted'; run: number; halt: RunHalt }
  /** The WebGPU device was lost (driver reset, GPU removed, or destroyed): restart the worker. */
  | { type: 'device-lost'; reason: string; message: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'error'; id: number | null; message: string }
  | { type: 'hf-info'; id: number; info: PretrainedInfo }
  /** Loading a pretrained model: per file downloaded and tensor converted (id null: a run's). */
  | { type: 'hf-progress'; id: number | null; progress: HfLoadProgress }
  /** Answers plan-student: the tokenizer's vocabulary (null: not known before the run). */
  | { type: 'student-plan'; id: number; key: string; vocab: number | null }
  /** Answers read-metrics: each asked run's metrics rows. */
  | { type: 'run-metrics'; id: number; metrics: Record<string, StepMetrics[]> }
  /** Opening a run (open-imported `id`): files read so far. */
  | { type: 'imported-progress'; id: number; progress: ImportProgress }
  /**
   * Answers open-imported: the run's index; `loadMs` to read every file, `heapMb` the worker's
   * JS heap it holds after a GC (null where the browser does not say).
   */
  | {
      type: 'imported-opened';
      id: number;
      run: OpenedRunIndex;
      loadMs: number;
      heapMb: number | null;
    }
  /** Answers read-imported-group: the group's rollouts in file order. */
  | { type: 'imported-group'; id: number; rollouts: RolloutDetail[] }
  /** Answers export-verl-job: the ZIP (its buffer transferred). */
  | { type: 'verl-job'; id: number; filename: string; bytes: ArrayBuffer }
  /** Answers `counterfactual`: the original and edited group side by side, or why not. */
  | { type: 'counterfactual'; id: number; result?: CounterfactualResult; error?: string }
  | {
      type: 'rollout-results';
      id: number;
      source: RolloutSource;
      query: RolloutQuery;
      result: RolloutSearchResult;
    }
  /** Step-through mode: a stage of the step finished; the step waits for `stage-next`. */
  | { type: 'stage'; run: number; stage: StageSummary; waiting: boolean };

/** A Hugging Face model folder: picked or dropped files, or a base URL (…/resolve/main/). */
export type PretrainedSource =
  { kind: 'files'; files: Array<{ name: string; file: Blob }> } | { kind: 'url'; url: string };

/** What config.json says about a pretrained model, before its weights are fetched. */
export interface PretrainedInfo {
  /** Folder name, URL or "picked files". */
  label: string;
  architecture: 'llama' | 'qwen2';
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  context: number;
  torchDtype: string | null;
  estimate: MemoryEstimate;
  /** The LoRA settings the estimate assumed (null: full fine-tuning). */
  lora: { rank: number; targets: string[] } | null;
}

/**
 * Test-only messages, handled by the worker shell itself (never by LabSession): make the worker
 * throw an uncaught error, or lose its GPU device (destroyed on WebGPU, reported as lost on
 * other backends). The page sends them only when opened with `?testFaults=1`.
 */
export type WorkerFaultCommand = { type: 'simulate-fault'; fault: 'throw' | 'device-lost' };

/** Exhaustiveness guard for switches over the unions above. */
export function assertNever(x: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(x)}`);
}
