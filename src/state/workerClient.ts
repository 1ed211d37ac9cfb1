import type { CounterfactualRequest } from '../contract/counterfactual';
import { WORKER_THREADS_PREFIX, type BackendPreference } from '../contract/backend';
import type { RunConfig } from '../contract/config';
import type {
  PretrainedSource,
  SampleParams,
  TeacherExtras,
  TeacherSettings,
  WorkerCommand,
  WorkerEvent,
  WorkerFaultCommand,
} from '../session/protocol';
import { applyWorkerEvent, useLab } from './labStore';
import type { WorkerFault } from './slices';

/** Marks the worker as failed: the fault banner says why and offers a restart. */
function reportWorkerFault(kind: WorkerFault['kind'], message: string): void {
  useLab.setState((s) => ({ workerFault: s.workerFault ?? { kind, message, backend: s.backend } }));
}

type Outgoing = WorkerCommand extends infer C
  ? C extends { id: number }
    ? Omit<C, 'id'>
    : never
  : never;

/** Saves data as a file through a temporary link (the page's side of `export`, `export-run`). */
export function download(filename: string, data: BlobPart, type = 'application/x-ndjson'): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
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
  'device-lost',
  'run-halted',
  'runs',
  'run-restored',
  'run-bundle',
  'hf-info',
  'student-plan',
  'counterfactual',
  'rollout-results',
  'stage',
]);

/** A request waiting for its reply: events answering it go here instead of the store. */
interface PendingRequest {
  reply: WorkerEvent['type'];
  resolve(e: WorkerEvent): void;
  reject(e: Error): void;
  onEvent?(e: WorkerEvent): void;
}

/** The command id an event answers (null: pushed, or an event without one). */
function answers(e: WorkerEvent): number | null {
  return 'id' in e && typeof e.id === 'number' ? e.id : null;
}

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
  private readonly requests = new Map<number, PendingRequest>();

  constructor(backend: BackendPreference) {
    this.worker = new Worker(new URL('../../workers/trainer.worker.ts', import.meta.url), {
      type: 'module',
      // the page's ?wasmThreads, read by the worker (workers/wasmThreads.ts)
      name: WORKER_THREADS_PREFIX + (new URLSearchParams(location.search).get('wasmThreads') ?? ''),
    });
    this.worker.onmessage = (ev: MessageEvent<WorkerEvent>) => this.receive(ev.data);
    // A crash (uncaught error) or an unreadable message: the page offers a restart (recovery.ts).
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      reportWorkerFault('crash', `The trainer worker crashed: ${ev.message || 'unknown error'}.`);
    };
    this.worker.onmessageerror = () =>
      reportWorkerFault('message-error', 'A message from the trainer worker could not be read.');
    this.send({ type: 'init', backend });
  }

  private receive(e: WorkerEvent): void {
    const id = answers(e);
    const request = id === null ? undefined : this.requests.get(id);
    if (request && id !== null) return this.answer(id, request, e);
    if (e.type === 'exported') download(e.filename, e.jsonl);
    if (e.type === 'run-bundle') download(e.filename, e.bytes, 'application/zip');
    if (e.type === 'ready') this.send({ type: 'list-runs' }); // the saved runs, once ready
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

  /** An event answering a request: its reply or error ends it, others go to its onEvent. */
  private answer(id: number, request: PendingRequest, e: WorkerEvent): void {
    if (e.type === request.reply || e.type === 'error') this.requests.delete(id);
    if (e.type === request.reply) request.resolve(e);
    else if (e.type === 'error') request.reject(new Error(e.message));
    else request.onEvent?.(e);
  }

  /**
   * Sends a command whose answer the caller handles itself (not the store): resolves with the
   * `reply` event answering it, rejects with the worker's error; other events answering it (e.g.
   * progress) go to `onEvent`.
   */
  request<T extends WorkerEvent['type']>(
    cmd: Outgoing,
    reply: T,
    opts: { transfer?: Transferable[]; onEvent?: (e: WorkerEvent) => void } = {},
  ): Promise<Extract<WorkerEvent, { type: T }>> {
    return new Promise((resolve, reject) => {
      const id = this.send(cmd, opts.transfer);
      this.requests.set(id, {
        reply,
        resolve: (e) => resolve(e as Extract<WorkerEvent, { type: T }>),
        reject,
        onEvent: opts.onEvent,
      });
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

  /** Reads the folder's config.json (shape, memory estimate) without loading weights. */
  inspectPretrained(source: PretrainedSource, student: RunConfig['student']): void {
    this.send({ type: 'hf-inspect', source, student });
  }

  /** Loads a pretrained model folder as the student. */
  loadPretrained(source: PretrainedSource): void {
    useLab.setState({ status: 'busy' });
    this.send({ type: 'hf-load', source });
  }

  start(config: RunConfig, extras: TeacherExtras, paused: boolean, name?: string): void {
    this.send({ type: 'start', config, extras, paused, ...(name ? { name } : {}) });
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

  /** Replays a kept step's group with edits (answered by a `counterfactual` event). */
  counterfactual(request: CounterfactualRequest): number {
    return this.send({ type: 'counterfactual', request });
  }

  listRuns(): void {
    this.send({ type: 'list-runs' });
  }

  renameRun(runId: string, name: string): void {
    this.send({ type: 'rename-run', runId, name });
  }

  deleteRun(runId: string): void {
    this.send({ type: 'delete-run', runId });
  }

  exportRun(runId: string): void {
    this.send({ type: 'export-run', runId });
  }

  importRun(filename: string, bytes: ArrayBuffer): void {
    this.send({ type: 'import-run', filename, bytes }, [bytes]);
  }

  /** Asks how many tokens a char tokenizer would have on `config`'s data (student-plan). */
  planStudent(config: RunConfig, key: string): void {
    this.send({ type: 'plan-student', config, key });
  }

  resumeSavedRun(runId: string, extras: TeacherExtras): void {
    this.send({ type: 'resume-run', runId, extras });
  }

  terminate(): void {
    this.worker.terminate();
    const open = [...this.requests.values()];
    this.requests.clear();
    for (const r of open)
      r.reject(new Error('The trainer worker was restarted before it answered; try again.'));
  }

  /** Test-only: makes the worker throw or lose its GPU device (see WorkerFaultCommand). */
  simulateFault(fault: WorkerFaultCommand['fault']): void {
    this.worker.postMessage({ type: 'simulate-fault', fault } satisfies WorkerFaultCommand);
  }
}

let shared: WorkerClient | null = null;

/** The page's one worker client, created on first use (StrictMode-safe: no effect needed). */
export function getWorkerClient(backend: BackendPreference): WorkerClient {
  shared ??= new WorkerClient(backend);
  return shared;
}

/** Replaces the page's worker client with a fresh worker on `backend` (the old one is ended). */
export function replaceWorkerClient(backend: BackendPreference): WorkerClient {
  shared?.terminate();
  shared = new WorkerClient(backend);
  return shared;
}

/** The client once created (null before the app has rendered). */
export function currentWorkerClient(): WorkerClient | null {
  return shared;
}
