/**
 * TensorFlow.js backends for the Node CLI: WASM (default, ~5x faster than 'cpu' here) or the
 * pure-JS 'cpu' backend. WASM runs single-threaded unless asked for more threads
 * (`--wasm-threads N`: tfjs's threaded SIMD build, see nodeWasmThreads.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { startNodeWasm } from './nodeWasmThreads';

export const NODE_BACKENDS = ['wasm', 'cpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/** Validates a --backend value. */
export function parseNodeBackend(raw: string | undefined): NodeBackend | { error: string } {
  const name = raw ?? 'wasm';
  return (NODE_BACKENDS as readonly string[]).includes(name)
    ? (name as NodeBackend)
    : { error: `--backend must be one of ${NODE_BACKENDS.join(', ')} (got "${name}")` };
}

/** Registers and activates a backend (wasm with `wasmThreads` threads); throws when it cannot start. */
export async function initNodeBackend(name: NodeBackend, wasmThreads = 1): Promise<void> {
  if (name === 'wasm') {
    try {
      await startNodeWasm(wasmThreads);
    } catch (e) {
      throw new Error(`${(e as Error).message}; try --backend cpu.`);
    }
    return;
  }
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name)
    throw new Error(`The tfjs "${name}" backend failed to start; try --backend cpu.`);
}
