import type { BackendPreference } from '../engine/backend/types';
import type { SampleParams, WorkerCommand, WorkerEvent } from '../session/protocol';
import { applyWorkerEvent, useLab } from './labStore';

type Outgoing = WorkerCommand extends infer C
  ? C extends { id: number }
    ? Omit<C, 'id'>
    : never
  : never;

/** Owns the trainer worker: sends commands with fresh ids, feeds events into the store. */
export class WorkerClient {
  private worker: Worker;
  private nextId = 1;

  constructor(backend: BackendPreference) {
    this.worker = new Worker(new URL('../../workers/trainer.worker.ts', import.meta.url), {
      type: 'module',
    });
    this.worker.onmessage = (ev: MessageEvent<WorkerEvent>) => applyWorkerEvent(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      applyWorkerEvent({
        type: 'error',
        id: null,
        message: `The trainer worker crashed: ${ev.message || 'unknown error'}. Reload the page to restart it.`,
      });
    };
    this.send({ type: 'init', backend });
  }

  send(cmd: Outgoing, transfer: Transferable[] = []): number {
    const id = this.nextId++;
    this.worker.postMessage({ ...cmd, id } as WorkerCommand, transfer);
    return id;
  }

  sample(params: SampleParams): void {
    useLab.setState({ status: 'busy' });
    this.send({ type: 'sample', params });
  }

  loadModel(weights: ArrayBuffer, tokenizerJson: string): void {
    useLab.setState({ status: 'busy' });
    this.send({ type: 'load-model', weights, tokenizerJson }, [weights]);
  }

  terminate(): void {
    this.worker.terminate();
  }
}

let shared: WorkerClient | null = null;

/** The page's one worker client, created on first use (StrictMode-safe: no effect needed). */
export function getWorkerClient(backend: BackendPreference): WorkerClient {
  shared ??= new WorkerClient(backend);
  return shared;
}
