/**
 * tfjs-backend-wasm's threaded SIMD build in Node (tfjs 4.22).
 *
 * The stock backend never runs threads in Node: its WASM_HAS_MULTITHREAD_SUPPORT flag is false
 * there, and forcing the flag is not enough, for three reasons this module works around while the
 * backend starts (and undoes afterwards):
 * 1. emscripten starts each pthread worker from a `blob:` URL of the worker script, which Node's
 *    worker_threads refuses (ERR_WORKER_PATH). The worker script (the package's own, plus a
 *    one-line prelude) is written to a temporary file, and `URL.createObjectURL` hands emscripten
 *    that file's path for it.
 * 2. The worker loads the main script from a Blob it then reads with importScripts(objectURL),
 *    which in Node is not a file either: the prelude points it at the package's unbundled copy
 *    in node_modules (wasm-out/), the same emscripten build as the bundle's.
 * 3. The C side caps the pool at `emscripten_num_logical_cores() / 2` (it assumes two hyper-threads
 *    per core), which is 1 on a 2-core machine whatever setThreadsCount asks for. In Node that
 *    function reads `os.cpus().length`, so `os.cpus` reports 2 x the requested count while the
 *    module starts.
 * Then getThreadsCount() is checked: a backend that starts with fewer threads than asked throws.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { installFastWasmMatMul } from '../engine/backend/wasmMatMul';
import { installWasmSimdKernels } from '../engine/backend/wasmSimd/wasmSimdKernels';
import { installFusedMatMulGuard } from '../engine/backend/wasmUnwrittenGuard';
import { installFastWasmSlice } from '../engine/backend/wasmSlice';
import { installSharedWasmIdentity } from '../engine/backend/wasmIdentity';

const require = createRequire(import.meta.url);
const WASM_OUT = '@tensorflow/tfjs-backend-wasm/wasm-out/';
/** tfjs's build pre-creates 8 pthread workers; its C side never uses more. */
export const MAX_WASM_THREADS = 8;

let workerFile: string | null = null;

/** Writes the pthread worker script once per process (removed at exit); returns its path. */
export function pthreadWorkerFile(): string {
  if (workerFile) return workerFile;
  const mainScript = require.resolve(WASM_OUT + 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(
    WASM_OUT + 'tfjs-backend-wasm-threaded-simd.worker.js',
  ) as {
    wasmWorkerContents: string;
  };
  // A template literal turned the script's "\n" escapes into newlines inside string literals;
  // tfjs escapes them back the same way before it makes its Blob.
  const body = wasmWorkerContents.replace(/\n/g, '\\n');
  const prelude = `URL.createObjectURL = () => ${JSON.stringify(mainScript)};\n`;
  const dir = mkdtempSync(join(os.tmpdir(), 'tfjs-wasm-threads-'));
  const file = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  writeFileSync(file, prelude + body);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  workerFile = file;
  return file;
}

/** Validates a thread count (an integer 1..8). */
export function parseWasmThreads(raw: string | undefined): number | { error: string } {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= MAX_WASM_THREADS
    ? n
    : { error: `--wasm-threads must be an integer from 1 to ${MAX_WASM_THREADS} (got "${raw}")` };
}

/**
 * Makes the next initialisation of the wasm backend start a fresh module: drops the running
 * instance (its tensors die with it) but keeps the registered factory and kernels.
 */
function resetWasmBackend(): void {
  if (!(tf.engine().registry as Record<string, unknown>)['wasm']) return;
  const factory = tf.findBackendFactory('wasm');
  if (!factory) throw new Error('the wasm backend is not registered');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, 2);
}

/**
 * Starts and activates tfjs's wasm backend in Node with `threads` threads: 1 is the stock
 * single-threaded SIMD build, more the threaded SIMD build. Installs the fast BatchMatMul.
 * Registers tfjs-backend-wasm if nothing has yet. Returns the thread count the backend reports.
 */
export async function startNodeWasm(threads: number, opts: { fastMatMul?: boolean } = {}) {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS)
    throw new Error(
      `wasm threads must be an integer from 1 to ${MAX_WASM_THREADS} (got ${threads})`,
    );
  const { getThreadsCount, setThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  const fast = () =>
    installFastWasmMatMul() &&
    installFastWasmSlice() &&
    installSharedWasmIdentity() &&
    installWasmSimdKernels() &&
    installFusedMatMulGuard();
  if ((opts.fastMatMul ?? true) && !fast())
    throw new Error(
      'could not install the fast wasm BatchMatMul, Slice and Identity (is tfjs-backend-wasm imported?)',
    );
  resetWasmBackend();
  const threaded = threads > 1;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threaded);
  setThreadsCount(threads);
  const restore: Array<() => void> = [];
  if (threaded) {
    const file = pthreadWorkerFile();
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = (obj: Blob | MediaSource) =>
      obj instanceof Blob && obj.type === 'application/javascript' ? file : createObjectURL(obj);
    restore.push(() => (URL.createObjectURL = createObjectURL));
    const cpus = os.cpus;
    const fake = Array.from({ length: 2 * threads }, () => cpus()[0]);
    os.cpus = () => fake;
    restore.push(() => (os.cpus = cpus));
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
    await tf.ready();
  } finally {
    for (const undo of restore) undo();
  }
  if (!ok || tf.getBackend() !== 'wasm')
    throw new Error(`the tfjs wasm backend failed to start with ${threads} thread(s)`);
  const actual = threaded ? getThreadsCount() : 1;
  if (actual !== threads)
    throw new Error(`the threaded wasm backend started with ${actual} thread(s), not ${threads}`);
  return actual;
}
