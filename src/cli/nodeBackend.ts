/**
 * TensorFlow.js backends for the Node CLI: WASM (default, ~5x faster than 'cpu' here) or the
 * pure-JS 'cpu' backend. WASM runs single-threaded in Node (no SharedArrayBuffer workers).
 */
import * as tf from '@tensorflow/tfjs';
import { installFastWasmMatMul } from '../engine/backend/wasmMatMul';

export const NODE_BACKENDS = ['wasm', 'cpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/** Validates a --backend value. */
export function parseNodeBackend(raw: string | undefined): NodeBackend | { error: string } {
  const name = raw ?? 'wasm';
  return (NODE_BACKENDS as readonly string[]).includes(name)
    ? (name as NodeBackend)
    : { error: `--backend must be one of ${NODE_BACKENDS.join(', ')} (got "${name}")` };
}

/** Registers and activates a backend; throws when it cannot start. */
export async function initNodeBackend(name: NodeBackend): Promise<void> {
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    installFastWasmMatMul();
  }
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name)
    throw new Error(`The tfjs "${name}" backend failed to start; try --backend cpu.`);
}
