/**
 * The saved-run records (IndexedDB object store `runs`): what the run list shows, what the
 * compare view reads, what a bundle's run.json summarises.
 */
import type { RunConfig } from './config';

export type RunRecordStatus =
  'running' | 'interrupted' | 'paused' | 'stopped' | 'finished' | 'failed';

export interface CheckpointFileRef {
  sha256: string;
  bytes: number;
}

/** The run's current checkpoint: file name -> content hash in the blob store. */
export interface CheckpointPointer {
  step: number;
  createdAt: number;
  files: Record<string, CheckpointFileRef>;
}

/** Kept trajectories of a run: the oldest steps are dropped beyond `budgetBytes`. */
export interface TrajectoryUsage {
  steps: number;
  bytes: number;
  budgetBytes: number;
  /** Steps dropped to stay within the budget. */
  dropped: number;
}

export interface RunRecord {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  /** The run's config with live changes applied; secrets redacted (redact.ts). */
  config: RunConfig;
  status: RunRecordStatus;
  /** RL steps recorded (the last metrics row's step). */
  step: number;
  totalSteps: number;
  /** Warm-up SFT steps recorded. */
  sftStep: number;
  checkpoint: CheckpointPointer | null;
  trajectories: TrajectoryUsage;
  /** The backend it trained on (resumed metrics equal an uninterrupted run's on the same one). */
  backend: string | null;
  /** 'lab' or 'import'. */
  origin: string;
}

export type RunPatch = Partial<
  Pick<RunRecord, 'name' | 'status' | 'step' | 'totalSteps' | 'config' | 'backend' | 'sftStep'>
>;
