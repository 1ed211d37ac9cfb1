/// <reference lib="webworker" />
/**
 * The trainer worker: a thin shell that owns tfjs and forwards protocol messages to LabSession.
 * All compute runs here, never on the page's main thread. LabSession orders the commands that
 * use the student itself; control commands (pause, stop, inspect) act at once.
 */
import './browserBackends';
import { watchDeviceLost, webgpuDevice } from './deviceWatch';
import { startBrowserWasm } from './wasmThreads';
import { selectBackend } from '../src/engine/backend/select';
import { LabSession } from '../src/session/labSession';
import type { WorkerCommand, WorkerEvent, WorkerFaultCommand } from '../src/session/protocol';
import { estimateStorage, openRunStore } from '../src/storage/runStore';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: WorkerEvent, transfer: Transferable[] = []) => scope.postMessage(e, transfer);
const deviceLost = (reason: string, message: string) =>
  post({ type: 'device-lost', reason, message });
const session = new LabSession({
  post,
  selectBackend: async (pref) => {
    const choice = await selectBackend(pref, { startWasm: startBrowserWasm });
    watchDeviceLost(deviceLost);
    return choice;
  },
  readText: async (url) => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    return res.text();
  },
  // The shipped warm-up students are static files of this app (public/students/).
  readStudentFile: async (path) => {
    const url = new URL(`${import.meta.env.BASE_URL}students/${path}`, self.location.origin);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  },
  openRunStore: () => openRunStore(),
  estimateStorage,
});

/** Test-only faults (see WorkerFaultCommand): a real uncaught error, a real device loss. */
function simulateFault(fault: WorkerFaultCommand['fault']): void {
  if (fault === 'throw') {
    setTimeout(() => {
      throw new Error('simulated worker crash (test fault)');
    });
    return;
  }
  const device = webgpuDevice();
  // On WebGPU the device is really destroyed: its `lost` promise resolves and reports it.
  if (device) device.destroy();
  else deviceLost('destroyed', 'simulated device loss (test fault; this worker is not on WebGPU)');
}

scope.onmessage = (ev: MessageEvent<WorkerCommand | WorkerFaultCommand>) => {
  const cmd = ev.data;
  if (cmd.type === 'simulate-fault') simulateFault(cmd.fault);
  else void session.handle(cmd);
};
scope.onerror = (ev) => {
  post({
    type: 'error',
    id: null,
    message: `Worker error: ${String((ev as ErrorEvent).message ?? ev)}`,
  });
};
