/**
 * Big runs from other trainers, read-only: verl rollout dumps, TRL completion logs and the lab's
 * own trajectories.jsonl, indexed for the inspector. Texts stay in the files (read back on demand
 * by byte range) where the format allows, so 100 000 rollouts cost a few numbers each.
 * Pure TypeScript: no tfjs, no DOM, no node: imports (the page and the CLI share it).
 */
import type { Trajectory } from './loopRecords';

export type ImportFormat = 'verl' | 'trl' | 'lab';

/** One input file: a browser File or a Node file behind the same two calls. */
export interface ImportSource {
  /** Path as given (a folder-relative path in the browser); messages name it. */
  name: string;
  size: number;
  /** The bytes in order, in chunks. */
  stream(): AsyncIterable<Uint8Array>;
  /** Bytes [start, end). */
  read(start: number, end: number): Promise<Uint8Array>;
}

/** A line (or row) that could not be read: named by file and 1-based line, the rest still loads. */
export interface ImportProblem {
  file: string;
  /** 1-based line (JSONL) or row (parquet); absent for a whole-file problem. */
  line?: number;
  message: string;
}

/** Where a rollout's full record is: a byte range of a JSONL file, or its text kept inline. */
export type RolloutRef =
  | { kind: 'line'; file: number; start: number; end: number }
  | { kind: 'inline'; completion: string; extra: Record<string, string> };

/** What a format has per completion, and where values are absent (never invented). */
export interface FormatFacts {
  text: true;
  reward: boolean;
  advantage: boolean;
  groundTruth: boolean;
  perToken: boolean;
  /** One sentence per absent value: why it is absent. */
  absent: string[];
}

/** Rollouts sharing a prompt within a step. */
export interface ImportedGroup {
  step: number;
  /** Question order within the step (0-based). */
  index: number;
  prompt: string;
  /** Ground truth when the format has it (verl `gts`, lab `answer`). */
  groundTruth: string | null;
  /** Rollouts of the group: `order[start .. start + count)`. */
  start: number;
  count: number;
  meanReward: number;
}

/** A run opened read-only. Per-rollout columns are indexed by rollout number. */
export interface ImportedRun {
  format: ImportFormat;
  name: string;
  files: ImportSource[];
  facts: FormatFacts;
  steps: number[];
  groups: ImportedGroup[];
  /** Rollout numbers in group order (groups point into this). */
  order: Int32Array;
  reward: Float64Array;
  /** NaN where the format has no advantage. */
  advantage: Float64Array;
  /** Extra per-completion numbers: verl reward keys (acc, …), TRL reward columns, lab terms. */
  componentNames: string[];
  /** components[k][rollout], NaN when a rollout lacks it. */
  components: Float64Array[];
  refs: RolloutRef[];
  problems: ImportProblem[];
  /** Problems found (problems keeps the first MAX_PROBLEMS). */
  problemCount: number;
  /** Rows read that were repeats (TRL's rolling files). */
  duplicates: number;
  bytes: number;
}

/** One rollout's full record, read back for display. */
export interface RolloutDetail {
  rollout: number;
  completion: string;
  reward: number;
  advantage: number;
  components: Record<string, number>;
  /** Non-numeric extra fields (TRL log_extra columns, verl string keys). */
  extra: Record<string, string>;
  /** The lab's own record, with per-token values. */
  trajectory?: Trajectory;
}

/** Problems kept for display; the count goes on. */
export const MAX_PROBLEMS = 200;

/** Progress while files are read. */
export interface ImportProgress {
  file: string;
  filesDone: number;
  files: number;
  rollouts: number;
}
