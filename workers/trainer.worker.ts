/// <reference lib="webworker" />
/**
 * The trainer worker: a thin shell that owns tfjs and forwards protocol messages to LabSession.
 * All compute runs here, never on the page's main thread.
 */
import './browserBackends';
import { selectBackend } from '../src/engine/backend/select';
import { LabSession } from '../src/session/labSession';
import type { WorkerCommand, WorkerEvent } from '../src/session/protocol';

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
