import type { BackendPreference } from '../engine/backend/types';
import type { RunConfig } from '../engine/config';
import type {
  SampleParams,
  TeacherExtras,
  TeacherSettings,
  WorkerCommand,
  WorkerEvent,
} from '../session/protocol';
import { applyWorkerEvent, useLab } from './labStore';

type Outgoing = WorkerCommand extends infer C
  ? C extends { id: number }
    ? Omit<C, 'id'>
    : never
  : never;

/** Saves text as a file through a temporary link (the page's side of `export`). */
function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Events the page shows at once; the rest (per-step streams) are coalesced. */
const URGENT = new Set<WorkerEvent['type']>([
  'ready',
  'samples',
  'model',
  'run-started',
  'connection',
  'exported',
  'error',
]);

/** Longest wait before coalesced events reach the store: ~5 renders a second at most. */
const FLUSH_MS = 200;

/**
 * Owns the trainer worker: sends commands with fresh ids, feeds events into the store. A fast
 * run sends several events a step; they are applied together at most every FLUSH_MS, so the
 * page renders once per batch instead of once per event (the main thread stays free).
 */
export class WorkerClient {
  private worker: Worker;
  private nextId = 1;
  private pending: WorkerEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFlush = 0;

  constructor(backend: BackendPreference) {
    this.worker = new Worker(new URL('../../workers/trainer.worker.ts', import.meta.url), {
      type: 'module',
    });
    this.worker.onmessage = (ev: MessageEvent<WorkerEvent>) => this.receive(ev.data);
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

  private receive(e: WorkerEvent): void {
    if (e.type === 'exported') download(e.filename, e.jsonl);
    this.pending.push(e);
    if (URGENT.has(e.type)) return this.flush();
    if (this.flushTimer === null) {
      const wait = Math.max(0, this.lastFlush + FLUSH_MS - performance.now());
      this.flushTimer = setTimeout(() => this.flush(), wait);
    }
  }

  /** Applies the pending events in one task (React renders once for all of them). */
  private flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.lastFlush = performance.now();
    const events = this.pending;
    this.pending = [];
    // Only the newest pushed trajectories matter (each replaces the one before).
    let lastPush = -1;
    events.forEach((e, i) => {
      if (e.type === 'trajectories' && e.id === null) lastPush = i;
    });
    events.forEach((e, i) => {
      if (e.type === 'trajectories' && e.id === null && i !== lastPush) return;
      applyWorkerEvent(e);
    });
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

  start(config: RunConfig, extras: TeacherExtras, paused: boolean): void {
    this.send({ type: 'start', config, extras, paused });
  }

  pause(): void {
    this.send({ type: 'pause' });
  }

  resume(): void {
    this.send({ type: 'resume' });
  }

  stepOnce(): void {
    this.send({ type: 'step' });
  }

  stop(): void {
    this.send({ type: 'stop' });
  }

  updateConfig(config: RunConfig): void {
    this.send({ type: 'update-config', config });
  }

  setTeacher(settings: TeacherSettings): void {
    this.send({ type: 'set-teacher', settings });
  }

  testConnection(settings: TeacherSettings): void {
    useLab.setState({ connection: { pending: true, report: null } });
    this.send({ type: 'test-connection', settings });
  }

  inspect(step: number): void {
    this.send({ type: 'inspect', step });
  }

  exportSteps(step: number | 'all'): void {
    this.send({ type: 'export', step });
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

/** The client once created (null before the app has rendered). */
export function currentWorkerClient(): WorkerClient | null {
  return shared;
}
