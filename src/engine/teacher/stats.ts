/** Counters of teacher outcomes: successes, failures per kind, retries and latency. */
import { TEACHER_FAILURE_KINDS } from '../../contract/teacher';
import type { TeacherResult } from './types';
import type { TeacherFailureKind } from '../../contract/teacher';

/** A plain-data copy of the counters (safe to post to the UI). */
export interface TeacherStatsSnapshot {
  calls: number;
  successes: number;
  failures: number;
  byKind: Record<TeacherFailureKind, number>;
  retries: number;
  meanLatencyMs: number;
}

function zeroCounts(): Record<TeacherFailureKind, number> {
  const counts = {} as Record<TeacherFailureKind, number>;
  for (const kind of TEACHER_FAILURE_KINDS) counts[kind] = 0;
  return counts;
}

/** Mutable counters fed with every teacher result. */
export class TeacherStats {
  successes = 0;
  retries = 0;
  readonly byKind: Record<TeacherFailureKind, number> = zeroCounts();
  private latencySum = 0;

  /** Counts one finished call. */
  record(result: TeacherResult): void {
    if (result.ok) this.successes += 1;
    else this.byKind[result.failure] += 1;
    this.latencySum += result.latencyMs;
  }

  /** Counts one retried attempt (not a finished call). */
  recordRetry(): void {
    this.retries += 1;
  }

  /** Number of failed calls, all kinds together. */
  get failures(): number {
    let sum = 0;
    for (const kind of TEACHER_FAILURE_KINDS) sum += this.byKind[kind];
    return sum;
  }

  /** Number of finished calls. */
  get calls(): number {
    return this.successes + this.failures;
  }

  /** A copy of the counters. */
  snapshot(): TeacherStatsSnapshot {
    const calls = this.calls;
    return {
      calls,
      successes: this.successes,
      failures: this.failures,
      byKind: { ...this.byKind },
      retries: this.retries,
      meanLatencyMs: calls === 0 ? 0 : this.latencySum / calls,
    };
  }

  /** Sets every counter back to zero. */
  reset(): void {
    this.successes = 0;
    this.retries = 0;
    this.latencySum = 0;
    for (const kind of TEACHER_FAILURE_KINDS) this.byKind[kind] = 0;
  }
}
