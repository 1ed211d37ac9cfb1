/**
 * The one typed protocol between the UI (main thread) and the trainer worker.
 * Commands flow in, events flow out; a command's `id` is echoed by the events that answer it.
 * Types only: no runtime code lives here (except the exhaustiveness guard), so both sides
 * import it freely.
 */
import type { AdapterInfo, BackendName, BackendPreference } from '../engine/backend/types';
import type { RunConfig } from '../engine/config';
import type { StepMetrics, Trajectory } from '../engine/loop/types';
import type { SftStepMetrics } from '../engine/sft/train';
import type { ConnectionReport, TeacherPromptConfig } from '../engine/teacher';

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
  /** Starts a run (stopping any current one). `paused` + `steps` = "step once" from idle. */
  | {
      type: 'start';
      id: number;
      config: RunConfig;
      extras: TeacherExtras;
      paused: boolean;
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
  | { type: 'export'; id: number; step: number | 'all' };

export interface ModelSummary {
  parameters: number;
  dModel: number;
  layers: number;
  heads: number;
  context: number;
  vocab: number;
  tokenizer: 'char' | 'bpe';
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
export type RunPhase = 'preparing' | 'warm-up' | 'rollout' | 'teacher' | 'update';

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
      model: ModelSummary;
    }
  | { type: 'samples'; id: number; completions: Completion[]; tokensPerSecond: number; ms: number }
  | { type: 'model'; id: number | null; model: ModelSummary }
  /** A run began: its config (after live updates it changes; see update-config). */
  | { type: 'run-started'; id: number; run: number; config: RunConfig }
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
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'error'; id: number | null; message: string };

/** Exhaustiveness guard for switches over the unions above. */
export function assertNever(x: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(x)}`);
}
