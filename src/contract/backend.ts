/** The tfjs backends the lab knows how to run on. */
export const BACKENDS = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
/** 'auto' = WebGPU on a real GPU, else WASM, else CPU. */
export type BackendPreference = 'auto' | BackendName;

/** What the WebGPU adapter says about itself (GPUAdapterInfo plus the fallback flag). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters (SwiftShader, lavapipe) or when the browser flags a fallback. */
  isSoftware: boolean;
}

export interface BackendChoice {
  backend: BackendName;
  adapter: AdapterInfo | null;
  /** Why this backend: shown in the UI and logs. */
  reason: string;
  /** wasm: the threads it runs on (more than 1 only on a cross-origin isolated page). */
  threads?: number;
}

/** A software rasteriser pretending to be a GPU: no speed to gain from WebGPU there. */
export function isSoftwareAdapter(info: {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}): boolean {
  if (info.isFallbackAdapter) return true;
  const text =
    `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|warp/.test(text);
}

/**
 * wasm threads for a logical core count (the browser worker's choice when cross-origin isolated):
 * all of them on 2 cores (tfjs's own rule, half, would give 1 there), else half (two
 * hyper-threads per core, as tfjs assumes), from 2 up to tfjs's pool of 8.
 */
export function wasmThreadsFor(cores: number): number {
  if (!Number.isFinite(cores) || cores < 2) return 1;
  if (cores <= 2) return 2;
  return Math.max(2, Math.min(8, Math.floor(cores / 2)));
}

/** The most wasm threads the lab asks for (tfjs's pthread pool). */
export const MAX_BROWSER_WASM_THREADS = 8;

/**
 * The page's ?wasmThreads=N (1 to 8): the threads the worker asks for instead of its own choice
 * (1 = the single-threaded build, e.g. to compare, or where threads misbehave). null: absent.
 * A bad value is not an error that stops the lab: it is ignored, with the reason.
 */
export function wasmThreadsParam(
  raw: string | null,
): { threads: number } | { threads: null; problem: string | null } {
  if (raw === null || raw === '') return { threads: null, problem: null };
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1 && n <= MAX_BROWSER_WASM_THREADS) return { threads: n };
  return {
    threads: null,
    problem: `?wasmThreads=${raw} ignored: use a whole number from 1 to ${MAX_BROWSER_WASM_THREADS}`,
  };
}

/** The worker's name carries the page's ?wasmThreads (a worker cannot read the page's URL). */
export const WORKER_THREADS_PREFIX = 'lab-worker wasmThreads=';
