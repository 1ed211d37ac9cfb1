/**
 * Getting the lab back after the worker fails (an uncaught error, an unreadable message, a lost
 * GPU device): one function ends the old worker, starts a new one on the chosen backend and
 * restores the run from its last checkpoint. The checkpoint is the run's saved one (IndexedDB,
 * written by the worker every rl.checkpointEvery steps and whenever the run pauses), resumed
 * with `resume-run`; the charts keep the history up to it. A run saved before its first
 * checkpoint starts over (the worker says so); where runs cannot be saved (no IndexedDB) the
 * banner says the run must be started again.
 */
import type { BackendName, BackendPreference } from '../contract/backend';
import type { WorkerFaultCommand } from '../session/protocol';
import { runActive } from './actions';
import { useLab } from './labStore';
import { currentWorkerClient, replaceWorkerClient } from './workerClient';

/** The backends a restart offers: the one that failed (if any) and wasm, which always works. */
export function restartChoices(failed: BackendName | null): BackendName[] {
  return failed && failed !== 'wasm' ? [failed, 'wasm'] : ['wasm'];
}

/** Ends the failed worker, starts a new one on `backend`, and resumes the run from its checkpoint. */
export function restartWorker(backend: BackendPreference): void {
  const s = useLab.getState();
  const runId = s.currentRunId;
  const resume = runId !== null && runActive(s.progress.status);
  // The header's backend switch reads the URL: keep it in step without a reload.
  const url = new URL(location.href);
  if (backend === 'auto') url.searchParams.delete('backend');
  else url.searchParams.set('backend', backend);
  history.replaceState(history.state, '', url.toString());

  const client = replaceWorkerClient(backend);
  useLab.setState((st) => ({
    status: 'starting',
    backend: null,
    adapter: null,
    backendReason: '',
    backendThreads: null,
    workerFault: null,
    halted: null,
    workerGeneration: st.workerGeneration + 1,
    progress: runActive(st.progress.status)
      ? { ...st.progress, status: 'stopped', phase: null, waiting: false }
      : st.progress,
    logs: [
      ...st.logs.slice(-199),
      resume
        ? `Restarting the worker on ${backend}; the run resumes from its last checkpoint.`
        : `Restarting the worker on ${backend}.`,
    ],
  }));
  if (resume && runId !== null) {
    // Queued behind the new worker's init: runs once the backend is up.
    client.resumeSavedRun(runId, { apiKey: s.apiKey || undefined, prompt: s.prompt });
  }
}

/** `window.__labTest.simulateFault('throw' | 'device-lost')`, only with `?testFaults=1`. */
export function installTestHooks(search: string): void {
  if (new URLSearchParams(search).get('testFaults') !== '1') return;
  (window as unknown as { __labTest: unknown }).__labTest = {
    simulateFault: (fault: WorkerFaultCommand['fault']) =>
      currentWorkerClient()?.simulateFault(fault),
  };
}
