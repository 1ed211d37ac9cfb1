/// <reference lib="webworker" />
/**
 * The trainer worker: a thin shell that owns tfjs and forwards protocol messages to LabSession.
 * All compute runs here, never on the page's main thread.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { selectBackend } from '../src/engine/backend/select';
import { LabSession } from '../src/session/labSession';
import type { WorkerCommand, WorkerEvent } from '../src/session/protocol';

// Threaded wasm hangs in minified builds and gains nothing here (see ENVIRONMENT.md).
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: WorkerEvent) => scope.postMessage(e);
const session = new LabSession({ post, selectBackend });

// Commands run one at a time, in arrival order.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (ev: MessageEvent<WorkerCommand>) => {
  queue = queue.then(() => session.handle(ev.data));
};
scope.onerror = (ev) => {
  post({
    type: 'error',
    id: null,
    message: `Worker error: ${String((ev as ErrorEvent).message ?? ev)}`,
  });
};
