import type { AdapterInfo } from '../src/contract/backend';
import type { PresetResult } from './core';
import type { BenchBackend, Part } from './plan';
import type { PresetName } from './presets';

/** Page -> worker: what to run. */
export interface BenchRequest {
  backend: BenchBackend;
  presets: PresetName[];
  full: boolean;
  parts: Part[];
  /** Config overrides (--set key=value). */
  sets: string[];
}

/** What one backend in one browser produced; published as window.__benchResult. */
export interface BrowserBenchResult {
  ok: boolean;
  requested: BenchBackend;
  /** The backend tfjs actually ran (selectBackend may fall back). */
  backend: string | null;
  reason: string;
  adapter: AdapterInfo | null;
  /** wasm: the threads it ran on (1 unless the page is cross-origin isolated). */
  threads: number | null;
  userAgent: string;
  results: PresetResult[];
  skipped: { preset: PresetName; reason: string }[];
  error?: string;
}

/** A result with nothing measured yet (filled in by the worker, or reported as a failure). */
export function emptyBrowserResult(requested: BenchBackend, userAgent: string): BrowserBenchResult {
  return {
    ok: false,
    requested,
    backend: null,
    reason: '',
    adapter: null,
    threads: null,
    userAgent,
    results: [],
    skipped: [],
  };
}

/** Worker -> page. */
export type BenchEvent =
  { type: 'log'; message: string } | { type: 'done'; result: BrowserBenchResult };

declare global {
  interface Window {
    /** Set by bench.html when its worker finishes (ok or not). */
    __benchResult?: BrowserBenchResult;
  }
}
