/// <reference lib="webworker" />
/**
 * The trainer worker: a thin shell that owns tfjs and forwards protocol messages to LabSession.
 * All compute runs here, never on the page's main thread. LabSession orders the commands that
 * use the student itself; control commands (pause, stop, inspect) act at once.
 */
import './browserBackends';
import { selectBackend } from '../src/engine/backend/select';
import { LabSession } from '../src/session/labSession';
import type { WorkerCommand, WorkerEvent } from '../src/session/protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: WorkerEvent) => scope.postMessage(e);
const session = new LabSession({
  post,
  selectBackend,
  readText: async (url) => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    return res.text();
  },
});

scope.onmessage = (ev: MessageEvent<WorkerCommand>) => {
  void session.handle(ev.data);
};
scope.onerror = (ev) => {
  post({
    type: 'error',
    id: null,
    message: `Worker error: ${String((ev as ErrorEvent).message ?? ev)}`,
  });
};
