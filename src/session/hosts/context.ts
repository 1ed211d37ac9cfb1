/**
 * What every host of the session shares: the environment it runs in (worker or Node test) and
 * the little state that crosses hosts (the backend's name, the student's last job).
 */
import type { BackendChoice, BackendPreference } from '../../contract/backend';
import type { ReadText } from '../../engine/eval/sources';
import type { ReadStudentFile } from '../../engine/students/load';
import type { RunStore } from '../../storage/runStore';
import type { StorageUsage } from '../../contract/storageUsage';
import type { WorkerCommand, WorkerEvent } from '../protocol';

/** Where the session runs: the worker injects browser backend selection, Node tests a stub. */
export interface SessionHost {
  /** Sends an event to the page; `transfer` moves buffers instead of copying them. */
  post(event: WorkerEvent, transfer?: Transferable[]): void;
  selectBackend(pref: BackendPreference): Promise<BackendChoice>;
  /** Reads GSM8K files by URL (fetch in the browser). */
  readText?: ReadText;
  /** Reads the shipped warm-up students (fetch from the app's origin; files in Node). */
  readStudentFile?: ReadStudentFile;
  /** The fetch the HTTP teacher uses (default: the global one). */
  fetch?: typeof fetch;
  /** Memory budget of the kept trajectories, in bytes (default 64 MiB). */
  trajectoryBudgetBytes?: number;
  /** Opens the saved-runs store (IndexedDB + OPFS in the worker); absent: runs are not saved. */
  openRunStore?: () => Promise<RunStore>;
  /** Storage used / quota (navigator.storage.estimate in the worker). */
  estimateStorage?: () => Promise<StorageUsage | null>;
}

/** The session's shared state, handed to each host. */
export interface SessionContext {
  readonly host: SessionHost;
  /** The tfjs backend in use (null before init). */
  backendName: string | null;
  /** The last sampling or loading job: a run waits for it before its next step. */
  studentWork: Promise<void>;
}

/** One command of the protocol, by its type. */
export type CommandOf<K extends WorkerCommand['type']> = Extract<WorkerCommand, { type: K }>;

/** The error a command needs the worker's init for. */
export const NOT_INITIALISED = 'The worker is not initialised yet; wait for the backend badge.';
