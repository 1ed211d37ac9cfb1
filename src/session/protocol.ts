/**
 * The one typed protocol between the UI (main thread) and the trainer worker.
 * Commands flow in, events flow out; a command's `id` is echoed by the events that answer it.
 * Types only: no runtime code lives here, so both sides import it freely.
 */
import type { AdapterInfo, BackendName, BackendPreference } from '../engine/backend/types';

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

export type WorkerCommand =
  | { type: 'init'; id: number; backend: BackendPreference }
  | { type: 'sample'; id: number; params: SampleParams }
  | { type: 'load-model'; id: number; weights: ArrayBuffer; tokenizerJson: string };

export interface ModelSummary {
  parameters: number;
  dModel: number;
  layers: number;
  heads: number;
  context: number;
  vocab: number;
  tokenizer: 'char' | 'bpe';
  /** 'fresh' (random init from a seed) or the loaded file's name. */
  origin: string;
}

export interface Completion {
  text: string;
  tokens: number;
  finished: boolean;
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
  | { type: 'model'; id: number; model: ModelSummary }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'error'; id: number | null; message: string };

/** Exhaustiveness guard for switches over the unions above. */
export function assertNever(x: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(x)}`);
}
