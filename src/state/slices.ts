/**
 * The lab store's slices: each a typed piece of state with its initial value. Actions are plain
 * functions (actions.ts, labStore.ts's applyWorkerEvent) that call setState; components read
 * with narrow selectors so a chart re-renders for its series only.
 */
import type { AdapterInfo, BackendName } from '../contract/backend';
import type { RunConfig } from '../contract/config';
import type { RunHalt, Trajectory } from '../contract/loopRecords';
import type { StepMetrics } from '../contract/metrics';
import { presetConfig } from '../contract/presets';
import type { SftStepMetrics } from '../contract/sftMetrics';
import { defaultPromptConfig, type TeacherPromptConfig } from '../contract/teacherPrompt';
import { type ConnectionReport } from '../contract/teacher';
import type {
  Completion,
  ModelSummary,
  PretrainedInfo,
  RunProgress,
  StoredSteps,
} from '../session/protocol';
import type { HfLoadProgress } from '../contract/pretrained';
import type { RunRecord } from '../contract/runRecord';
import type { StorageUsage } from '../contract/storageUsage';
import type { ComparisonProgress } from '../contract/comparison';
import type { Method, ResultsRow } from '../contract/resultsTable';
import type { RunForCompare } from './compareRuns';
import { CPU_PRESET } from './defaultPreset';

export type WorkerStatus = 'starting' | 'ready' | 'busy' | 'failed';

/** The worker itself: backend, student summary, errors and log lines. */
export interface WorkerSlice {
  status: WorkerStatus;
  backend: BackendName | null;
  adapter: AdapterInfo | null;
  backendReason: string;
  /** wasm: the threads it runs on (null: not wasm, or not reported). */
  backendThreads: number | null;
  model: ModelSummary | null;
  /** The backend speed probe's median ms (scales the preset picker's step times). */
  probeMs: number | null;
  /** Char tokenizers' vocabularies the worker counted, by studentPlanKey (Model panel). */
  plannedVocab: Record<string, number | null>;
  errors: string[];
  logs: string[];
}

export const workerInitial: WorkerSlice = {
  status: 'starting',
  backend: null,
  adapter: null,
  backendReason: '',
  backendThreads: null,
  model: null,
  probeMs: null,
  plannedVocab: {},
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

/** A control the user pressed that the worker has not acknowledged yet (shown at once). */
export type PendingControl = 'pause' | 'stop' | 'step' | null;

/** The current run: its config (with live changes), progress, notes and failure counts. */
export interface RunSlice {
  run: number | null;
  runConfig: RunConfig | null;
  /** The current run's name (as saved; describeRun), null before the first run. */
  runName: string | null;
  progress: RunProgress;
  /** Pause / Stop / Step once pressed and not yet seen in the worker's progress. */
  pendingControl: PendingControl;
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
  runName: null,
  progress: IDLE_PROGRESS,
  pendingControl: null,
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

/** The diverging token colours: green / red, or the colour-blind-safe blue / orange. */
export const PALETTES = ['red-green', 'blue-orange'] as const;
export type Palette = (typeof PALETTES)[number];

/** How the page looks: projector mode (large type, high contrast) and the token palette. */
export interface DisplaySlice {
  projector: boolean;
  palette: Palette;
}

export const displayInitial: DisplaySlice = { projector: false, palette: 'red-green' };

/** The trajectory inspector: which step and group, how tokens are coloured. */
export interface InspectorSlice {
  /** The step shown; null follows the latest step. */
  inspectStep: number | null;
  inspectGroup: number;
  /** The user chose the question; otherwise the latest step opens on a guided one. */
  inspectGroupPinned: boolean;
  colorMode: ColorMode;
  inspected: { step: number; trajectories: Trajectory[] } | null;
}

export const inspectorInitial: InspectorSlice = {
  inspectStep: null,
  inspectGroup: 0,
  inspectGroupPinned: false,
  colorMode: 'advantage',
  inspected: null,
};

/** The config being edited (round-trips through the URL). */
export interface ConfigSlice {
  preset: string;
  config: RunConfig;
  /** Problems found in the URL's settings (each ignored). */
  urlWarnings: string[];
  /**
   * Who chose the preset: the link, the user, or the page's default (which follows the backend
   * once the worker reports it: defaultPreset.ts).
   */
  presetSource: 'url' | 'user' | 'default';
  /** Why the page opened on its default preset (one line), until the user picks one. */
  presetNote: string | null;
}

/** The preset before the backend is known: the CPU one (most tabs have no real GPU). */
export const DEFAULT_PRESET = CPU_PRESET;

export const configInitial: ConfigSlice = {
  preset: DEFAULT_PRESET,
  config: presetConfig(DEFAULT_PRESET),
  urlWarnings: [],
  presetSource: 'default',
  presetNote: null,
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

/** The paper's comparison run in the worker (one at a time). */
export interface ComparisonState {
  /** The compare command's id (its events carry it); null before the first. */
  id: number | null;
  /** Names its arms' runs: "comparison 14:05" (comparisonArmName). */
  label: string;
  /** The saved run of each arm (when runs are saved). */
  runIds: Partial<Record<Method, string>>;
  status: 'idle' | 'running' | 'done' | 'stopped' | 'failed';
  progress: ComparisonProgress | null;
  config: RunConfig | null;
  rows: ResultsRow[];
  sources: string[];
  budgetText: string[];
  seconds: number | null;
  /** Each arm's metrics as they arrive. */
  live: Partial<Record<Method, StepMetrics[]>>;
}

/** Runs the compare view can overlay and which are selected. */
export interface CompareSlice {
  /** Earlier runs of this page and the comparison's arms (newest last). */
  savedRuns: RunForCompare[];
  /** Selected run ids; null = the default pairing (compareData.defaultPairing). */
  compareSelection: string[] | null;
  comparison: ComparisonState;
  /** Metrics of saved runs, loaded from the run store when selected (by run id). */
  storedMetrics: Record<string, StepMetrics[]>;
  /** When the current lab run started (ms): its place among the runs to compare. */
  runStartedAt: number | null;
}

export const COMPARISON_IDLE: ComparisonState = {
  id: null,
  label: '',
  runIds: {},
  status: 'idle',
  progress: null,
  config: null,
  rows: [],
  sources: [],
  budgetText: [],
  seconds: null,
  live: {},
};

export const compareInitial: CompareSlice = {
  savedRuns: [],
  compareSelection: null,
  comparison: COMPARISON_IDLE,
  storedMetrics: {},
  runStartedAt: null,
};

/** Saved runs (IndexedDB, written by the worker): the run list and the storage gauge. */
export interface LibrarySlice {
  /** Newest first, as the worker last listed them (src/storage/runStore.ts). */
  libraryRuns: RunRecord[];
  /** Origin storage used / quota (null until known or where the browser does not say). */
  storage: StorageUsage | null;
  /** The saved run the current lab run records into (null: none, or runs are not saved). */
  currentRunId: string | null;
  /** Where checkpoint files are kept ("OPFS" or "IndexedDB"; "" until the worker says). */
  blobStore: string;
}

export const libraryInitial: LibrarySlice = {
  libraryRuns: [],
  storage: null,
  currentRunId: null,
  blobStore: '',
};

/** Why the worker needs a restart: it crashed, a message could not be read, or the GPU was lost. */
export interface WorkerFault {
  kind: 'crash' | 'message-error' | 'device-lost';
  message: string;
  /** The backend the worker ran on when it failed. */
  backend: BackendName | null;
}

/** Faults the page shows: a failed worker (with restart buttons), a run that paused itself. */
export interface FaultSlice {
  workerFault: WorkerFault | null;
  /** The current run paused itself for non-finite steps (cleared when it runs again). */
  halted: RunHalt | null;
  /** Bumped each time the worker is replaced, so views pick up the new client. */
  workerGeneration: number;
}

export const faultInitial: FaultSlice = { workerFault: null, halted: null, workerGeneration: 0 };

/** A pretrained model folder: what its config.json says, and the load in progress. */
export interface PretrainedSlice {
  pretrainedInfo: PretrainedInfo | null;
  /** The latest progress of a pretrained load (null: none in progress). */
  pretrainedProgress: HfLoadProgress | null;
}

export const pretrainedInitial: PretrainedSlice = {
  pretrainedInfo: null,
  pretrainedProgress: null,
};

export type LabState = DisplaySlice &
  PretrainedSlice &
  WorkerSlice &
  SampleSlice &
  RunSlice &
  MetricsSlice &
  InspectorSlice &
  ConfigSlice &
  TeacherSlice &
  CompareSlice &
  LibrarySlice &
  FaultSlice;

export function initialLabState(): LabState {
  return {
    ...displayInitial,
    ...pretrainedInitial,
    ...workerInitial,
    ...sampleInitial,
    ...runInitial,
    ...metricsInitial,
    ...inspectorInitial,
    ...structuredClone(configInitial),
    ...teacherInitial,
    prompt: defaultPromptConfig(),
    ...structuredClone(compareInitial),
    ...structuredClone(libraryInitial),
    ...faultInitial,
  };
}
