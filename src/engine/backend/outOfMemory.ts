/**
 * A backend that runs out of memory fails with words that name neither the cause nor a fix:
 * tfjs-wasm's XNNPACK gets a null buffer from a full heap and the next access traps with
 * "memory access out of bounds", or emscripten aborts ("Aborted(...)"); WebGPU reports an
 * out-of-memory error or a lost device. These turn such a failure into one that says the memory
 * is full and which settings shrink what a step holds.
 */
import * as tf from '@tensorflow/tfjs';

/** What the message quotes of the run (its rl.* settings) and of the engine. */
export interface MemoryContext {
  /** tf.getBackend(): 'wasm', 'webgpu', 'cpu', ... */
  backend: string;
  /** rl.miniBatches: an update holds (questionsPerStep * groupSize) / miniBatches rows. */
  miniBatches: number;
  /** rl.gradAccum: each update runs in gradAccum micro-batches of those rows (absent = 1). */
  gradAccum?: number;
  /** rl.maxNewTokens */
  maxNewTokens: number;
  /** tf.memory().numBytes when the failure was caught (live tensors). */
  liveBytes: number;
}

const WASM_SIGNS = [
  /memory access out of bounds/i,
  /\bAborted\(/,
  /out of memory/i,
  /Cannot enlarge memory/i,
  /Array buffer allocation failed/i,
  /could not allocate/i,
];
const GPU_SIGNS = [/out of memory/i, /OutOfMemory/i, /device (was )?lost/i];

/** Whether the error reads as the backend's memory running out. */
export function looksOutOfMemory(message: string, backend: string): boolean {
  const signs = backend === 'webgpu' ? GPU_SIGNS : backend === 'wasm' ? WASM_SIGNS : [];
  return signs.some((s) => s.test(message));
}

const MIB = 2 ** 20;

/** A WASM heap's most bytes (32-bit addresses); the weights and XNNPACK's packs live in it too. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/**
 * Bytes one micro-batch of an RL update may add on `backend` (loop/update.ts sizes its
 * micro-batches by it): on WASM, half of what the heap has beside `liveBytes` (the other half
 * for XNNPACK's packs, fragmentation and the scores), at least 256 MiB; null elsewhere (a GPU
 * is bounded by rl.gradAccum alone).
 */
export function updateMemoryBudget(backend: string, liveBytes: number): number | null {
  if (backend !== 'wasm') return null;
  return Math.max(256 * MIB, (WASM_HEAP_BYTES - liveBytes) / 2);
}

/**
 * The error's message, or, when it reads as out of memory, a message that says so and names the
 * fixes. WASM: the heap is at most 4 GiB (32-bit addresses), the weights live in it too.
 */
export function describeBackendFailure(e: unknown, ctx: MemoryContext): string {
  const message = e instanceof Error ? e.message : String(e);
  if (!looksOutOfMemory(message, ctx.backend)) return message;
  const live = `${Math.round(ctx.liveBytes / MIB)} MiB of tensors were live`;
  const accum = ctx.gradAccum ?? 1;
  const fixes =
    `raise rl.gradAccum (now ${accum}; try ${accum * 2}) so each update runs in micro-batches ` +
    `of fewer rows (the same update; rl.miniBatches, now ${ctx.miniBatches}, also cuts rows ` +
    'but makes more updates a step), ' +
    `lower rl.maxNewTokens (now ${ctx.maxNewTokens}), or pick a smaller student`;
  if (ctx.backend === 'wasm') {
    return (
      `The WASM heap is full (${message.trim()}; ${live}, and a WASM heap holds at most 4 GiB, ` +
      `weights included). Fix: ${fixes}, or train on WebGPU (a machine with a GPU). ` +
      'The WASM module cannot be used after this: reload the page (or rerun the command) ' +
      'before the next run; the saved steps are kept.'
    );
  }
  return (
    `The GPU ran out of memory (${message.trim()}; ${live}). Fix: ${fixes}. ` +
    'Reload the page before the next run; the saved steps are kept.'
  );
}

/** {@link describeBackendFailure} with the active backend and its live bytes now. */
export function describeRunFailure(
  e: unknown,
  rl: { miniBatches: number; gradAccum?: number; maxNewTokens: number },
): string {
  const backend = tf.getBackend() ?? 'unknown';
  let liveBytes = 0;
  try {
    liveBytes = tf.memory().numBytes;
  } catch {
    // an aborted module may refuse even this; the message says 0 MiB then
  }
  return describeBackendFailure(e, { backend, liveBytes, ...rl });
}
