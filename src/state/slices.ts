/**
 * The lab store's slices: each a typed piece of state with its initial value. Actions are plain
 * functions (actions.ts, labStore.ts's applyWorkerEvent) that call setState; components read
 * with narrow selectors so a chart re-renders for its series only.
 */
import type { AdapterInfo, BackendName } from '../engine/backend/types';
import type { RunConfig } from '../engine/config';
import type { StepMetrics, Trajectory } from '../engine/loop/types';
import { presetConfig } from '../engine/presets';
import type { SftStepMetrics } from '../engine/sft/train';
import {
  defaultPromptConfig,
  type ConnectionReport,
  type TeacherPromptConfig,
} from '../engine/teacher';
import type { Completion, ModelSummary, RunProgress, StoredSteps } from '../session/protocol';

export type WorkerStatus = 'starting' | 'ready' | 'busy' | 'failed';

/** The worker itself: backend, student summary, errors and log lines. */
export interface WorkerSlice {
  status: WorkerStatus;
  backend: BackendName | null;
  adapter: AdapterInfo | null;
  backendReason: string;
  model: ModelSummary | null;
  errors: string[];
  logs: string[];
}

export const workerInitial: WorkerSlice = {
  status: 'starting',
  backend: null,
  adapter: null,
  backendReason: '',
  model: null,
  errors: [],
  logs: [],
};

/** The sampling panel's last answer. */
export interface SampleSlice {
  completions: Completion[];
  sampleStats: { tokensPerSecond: number; ms: number } | null;
}

export const sampleInitial: SampleSlice = { completions: [], sampleStats: null };

/** A note from a step (teacher failures, skipped updates), shown as text. */
export interface RunNote {
  step: number;
  text: string;
}

/** The current run: its config (with live changes), progress, notes and failure counts. */
export interface RunSlice {
  run: number | null;
  runConfig: RunConfig | null;
  progress: RunProgress;
  notes: RunNote[];
  /** Teacher failures of the run so far, by kind. */
  failureTotals: Record<string, number>;
}

export const IDLE_PROGRESS: RunProgress = {
  status: 'idle',
  phase: null,
  waiting: false,
  step: 0,
  totalSteps: 0,
  sftStep: 0,
  sftSteps: 0,
  etaSeconds: null,
  etaCoversRl: false,
};

export const runInitial: RunSlice = {
  run: null,
  runConfig: null,
  progress: IDLE_PROGRESS,
  notes: [],
  failureTotals: {},
};

/** Per-step metrics of the run (charts) and the warm-up loss. */
export interface MetricsSlice {
  history: StepMetrics[];
  sftHistory: SftStepMetrics[];
  stored: StoredSteps | null;
  /** EMA weight of the charts' smoothing, 0 (raw) to 0.95. */
  smoothing: number;
}

export const metricsInitial: MetricsSlice = {
  history: [],
  sftHistory: [],
  stored: null,
  smoothing: 0,
};

export const COLOR_MODES = ['advantage', 'logprob', 'ratio', 'entropy', 'weight'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/** The trajectory inspector: which step and group, how tokens are coloured. */
export interface InspectorSlice {
  /** The step shown; null follows the latest step. */
  inspectStep: number | null;
  inspectGroup: number;
  colorMode: ColorMode;
  inspected: { step: number; trajectories: Trajectory[] } | null;
}

export const inspectorInitial: InspectorSlice = {
  inspectStep: null,
  inspectGroup: 0,
  colorMode: 'advantage',
  inspected: null,
};

/** The config being edited (round-trips through the URL). */
export interface ConfigSlice {
  preset: string;
  config: RunConfig;
  /** Problems found in the URL's settings (each ignored). */
  urlWarnings: string[];
}

export const DEFAULT_PRESET = 'lab';

export const configInitial: ConfigSlice = {
  preset: DEFAULT_PRESET,
  config: presetConfig(DEFAULT_PRESET),
  urlWarnings: [],
};

/** Teacher extras: the API key (memory unless remembered), the prompt, the connection test. */
export interface TeacherSlice {
  apiKey: string;
  rememberKey: boolean;
  prompt: TeacherPromptConfig;
  connection: { pending: boolean; report: ConnectionReport | null };
}

export const teacherInitial: TeacherSlice = {
  apiKey: '',
  rememberKey: false,
  prompt: defaultPromptConfig(),
  connection: { pending: false, report: null },
};

export type LabState = WorkerSlice &
  SampleSlice &
  RunSlice &
  MetricsSlice &
  InspectorSlice &
  ConfigSlice &
  TeacherSlice;

export function initialLabState(): LabState {
  return {
    ...workerInitial,
    ...sampleInitial,
    ...runInitial,
    ...metricsInitial,
    ...inspectorInitial,
    ...structuredClone(configInitial),
    ...teacherInitial,
    prompt: defaultPromptConfig(),
  };
}
