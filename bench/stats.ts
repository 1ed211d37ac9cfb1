import * as tf from '@tensorflow/tfjs';
import { yieldToEvents } from '../src/session/yieldToEvents';
import { afterEachKernel } from '../src/engine/backend/kernelHook';

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** Process resident set size in bytes; set by the Node runner (the browser has none to read). */
let rssProbe: (() => number) | null = null;
export function setRssProbe(probe: (() => number) | null): void {
  rssProbe = probe;
}

export interface MemoryPeak {
  /** Most bytes held by live tensors (tf.memory().numBytes). */
  tf_bytes: number;
  /** Largest process RSS seen (Node only). */
  rss_bytes: number | null;
  /** Size of the wasm backend's heap (it only grows: its high-water mark). */
  wasm_heap_bytes: number | null;
  /** Most GPU buffer bytes allocated (webgpu numBytesInGPUAllocated, webgl numBytesInGPU). */
  gpu_bytes: number | null;
}

export const PEAK_METHOD =
  "maxima polled after every kernel of each part's untimed warm-up run (and after every decoding step and " +
  'RL step phase of the timed runs): tf_bytes = tf.memory().numBytes (live tensors incl. weights, optimizer ' +
  "state and the gradient tape's), rss_bytes = process.memoryUsage().rss (Node), wasm_heap_bytes = the " +
  "wasm heap's size (it never shrinks: its high-water mark), gpu_bytes = tf.memory().numBytesInGPUAllocated " +
  '(webgpu) or numBytesInGPU (webgl)';

/** Largest memory figures seen at the poll points. */
export interface PeakTracker {
  poll(): void;
  peak(): MemoryPeak;
}

function wasmHeap(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.length : null;
}

function gpuBytes(): number | null {
  const m = tf.memory() as tf.MemoryInfo & {
    numBytesInGPU?: number;
    numBytesInGPUAllocated?: number;
  };
  return m.numBytesInGPUAllocated ?? m.numBytesInGPU ?? null;
}

const maxOrNull = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.max(a, b);

export function trackPeak(): PeakTracker {
  const p: MemoryPeak = { tf_bytes: 0, rss_bytes: null, wasm_heap_bytes: null, gpu_bytes: null };
  const poll = () => {
    p.tf_bytes = Math.max(p.tf_bytes, tf.memory().numBytes);
    p.rss_bytes = maxOrNull(p.rss_bytes, rssProbe ? rssProbe() : null);
    p.wasm_heap_bytes = maxOrNull(p.wasm_heap_bytes, wasmHeap());
    p.gpu_bytes = maxOrNull(p.gpu_bytes, gpuBytes());
  };
  poll();
  return { poll, peak: () => ({ ...p }) };
}

/**
 * Runs `work` with `peak` polled after every kernel the engine runs (only when `watch`: it costs a
 * little per kernel, so the bench watches its untimed warm-ups).
 */
export async function watchingKernels<T>(
  watch: boolean,
  peak: PeakTracker,
  work: () => Promise<T>,
): Promise<T> {
  return watch ? afterEachKernel(() => peak.poll(), work) : work();
}

/** One untimed warm-up (optional), then `reps` timed runs; the median and every run in ms. */
export async function timeMany(
  reps: number,
  warmup: boolean,
  run: (i: number) => Promise<number>,
  log: (msg: string) => void,
  label: string,
): Promise<{ warmup_ms: number | null; runs_ms: number[]; median_ms: number }> {
  // One event-loop turn before each run (untimed): wasm and cpu read tensors synchronously, so
  // a part never yields on its own, and a SIGTERM (or a message to the browser bench's worker)
  // waited for the whole bench; now it is handled between runs.
  await yieldToEvents();
  const warm = warmup ? await run(0) : null;
  if (warm !== null) log(`${label}: warm-up ${warm.toFixed(0)} ms`);
  const runs: number[] = [];
  for (let i = 1; i <= reps; i++) {
    await yieldToEvents();
    runs.push(await run(i));
    log(`${label}: run ${i}/${reps} ${runs[runs.length - 1].toFixed(0)} ms`);
  }
  return {
    warmup_ms: warm === null ? null : round(warm),
    runs_ms: runs.map((x) => round(x)),
    median_ms: round(median(runs)),
  };
}
