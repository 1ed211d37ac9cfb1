/**
 * tfjs-backend-wasm's threaded SIMD build in a browser worker (tfjs 4.22), with a fallback to
 * one thread that can never hang the lab.
 *
 * Threads need SharedArrayBuffer, so the page must be cross-origin isolated (COOP + COEP headers:
 * vite.config.ts, and docs/performance.md for static hosts). tfjs's own start-up then fails in
 * two ways this module works around while the backend starts (and undoes afterwards):
 * 1. The pthread workers load the main script from a Blob of `wasmFactory.toString()`. In a
 *    minified build that function's text names variables of the bundle around it ("e is not
 *    defined") and set-up hangs. The pthread worker script is replaced (through
 *    `URL.createObjectURL`, which tfjs calls for it) by the package's own plus a prelude that
 *    loads the unbundled main script, served as a same-origin asset, instead of the Blob.
 * 2. The C side caps the pool at `navigator.hardwareConcurrency / 2` (1 on a 2-core machine): the
 *    worker's navigator reports 2 x the wanted count while the module starts.
 * If the threaded backend fails, starts with one thread, or takes longer than THREADED_START_MS,
 * the single-threaded build starts instead and the reason is reported.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { wasmWorkerContents } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
import threadedMainScript from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import { WORKER_THREADS_PREFIX, wasmThreadsFor, wasmThreadsParam } from '../src/contract/backend';
import type { WasmStart } from '../src/engine/backend/select';

/** How long the threaded build may take to start before the lab gives up on it. */
export const THREADED_START_MS = 20_000;

/** The page's ?wasmThreads as the worker's name carries it (WorkerClient). */
function threadsParam(): ReturnType<typeof wasmThreadsParam> {
  const name = (globalThis as { name?: string }).name ?? '';
  if (!name.startsWith(WORKER_THREADS_PREFIX)) return { threads: null, problem: null };
  return wasmThreadsParam(name.slice(WORKER_THREADS_PREFIX.length));
}

/**
 * Threads to ask for here, or why one: the page must be cross-origin isolated. The page's
 * ?wasmThreads=N overrides the choice (1: the single-threaded build).
 */
export function wantedThreads(): { threads: number; why: string } {
  const param = threadsParam();
  const ignored = param.threads === null && param.problem ? `; ${param.problem}` : '';
  if (param.threads === 1)
    return { threads: 1, why: 'one thread: the page asked (?wasmThreads=1)' };
  if (!globalThis.crossOriginIsolated)
    return {
      threads: 1,
      why: `one thread: the page is not cross-origin isolated (no COOP/COEP headers)${ignored}`,
    };
  if (param.threads !== null) return { threads: param.threads, why: '' };
  const cores = navigator.hardwareConcurrency || 1;
  if (cores < 2) return { threads: 1, why: `one thread: the browser reports one core${ignored}` };
  const threads = wasmThreadsFor(cores);
  return { threads, why: ignored ? `${threads} threads${ignored}` : '' };
}

/** Makes the next wasm initialisation start a fresh module (kernels and factory stay). */
function resetWasmBackend(): void {
  const factory = tf.findBackendFactory('wasm');
  if (!factory) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, 2);
}

let pthreadWorkerUrl: string | null = null;

/** A blob: URL of tfjs's pthread worker script, loading the main script from its asset URL. */
function pthreadWorker(createObjectURL: typeof URL.createObjectURL): string {
  if (pthreadWorkerUrl) return pthreadWorkerUrl;
  const mainUrl = new URL(threadedMainScript, self.location.href).href;
  // The worker does importScripts(URL.createObjectURL(blob)); URL.revokeObjectURL(...): load the
  // asset instead (script-src 'self' allows it; a blob: script would not be).
  const prelude =
    `URL.createObjectURL = () => ${JSON.stringify(mainUrl)};\n` +
    'URL.revokeObjectURL = () => {};\n';
  // tfjs escapes the newlines a template literal put inside string literals the same way.
  const body = wasmWorkerContents.replace(/\n/g, '\\n');
  pthreadWorkerUrl = createObjectURL(
    new Blob([prelude + body], { type: 'application/javascript' }),
  );
  return pthreadWorkerUrl;
}

/** Resolves to the promise's value, or to 'timeout' after ms. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function setWasm(): Promise<boolean> {
  try {
    const ok = await tf.setBackend('wasm');
    await tf.ready();
    return ok && tf.getBackend() === 'wasm';
  } catch {
    return false;
  }
}

async function startThreaded(threads: number): Promise<{ ok: true } | { ok: false; why: string }> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  const createObjectURL = URL.createObjectURL;
  const workerUrl = pthreadWorker(createObjectURL.bind(URL));
  URL.createObjectURL = (obj: Blob | MediaSource) =>
    obj instanceof Blob && obj.type === 'application/javascript'
      ? workerUrl
      : createObjectURL.call(URL, obj);
  Object.defineProperty(navigator, 'hardwareConcurrency', {
    value: 2 * threads,
    configurable: true,
  });
  let result: boolean | 'timeout';
  try {
    result = await within(setWasm(), THREADED_START_MS);
  } finally {
    URL.createObjectURL = createObjectURL;
    delete (navigator as unknown as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
  if (result === 'timeout')
    return {
      ok: false,
      why: `the threaded build did not start within ${THREADED_START_MS / 1000} s`,
    };
  if (!result) return { ok: false, why: 'the threaded build failed to start' };
  const got = getThreadsCount();
  if (got < 2) return { ok: false, why: `the threaded build started with ${got} thread(s)` };
  return { ok: true };
}

/**
 * Starts tfjs's wasm backend: threaded when the page is cross-origin isolated, else (or when
 * that fails) single-threaded. Never hangs on the threaded build.
 */
export async function startBrowserWasm(): Promise<WasmStart> {
  const want = wantedThreads();
  let why = want.why;
  if (want.threads > 1) {
    const threaded = await startThreaded(want.threads).catch((e: unknown) => ({
      ok: false as const,
      why: `the threaded build threw: ${e instanceof Error ? e.message : String(e)}`,
    }));
    if (threaded.ok) return { ok: true, threads: getThreadsCount(), note: want.why };
    why = `one thread: ${threaded.why}`;
    resetWasmBackend();
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(1);
  return { ok: await setWasm(), threads: 1, note: why };
}
