/**
 * One step's teacher phase: every selected rollout is sent to the teacher through the circuit
 * breaker, under one deadline for the whole phase.
 *
 * - A failed attempt that will be retried (a timeout, a 5xx) is counted by the breaker as it
 *   happens (`TeacherRequest.onAttemptFailed`), so a hung teacher opens the circuit after
 *   `circuitFailures` timeouts instead of as many whole calls with their retries.
 * - Once the circuit opens, the calls still waiting are cancelled: their rollouts stay unguided
 *   ('skipped', as when no call is made).
 * - At the deadline (`teacher.stepDeadlineMs`) the calls still waiting are cancelled: their
 *   rollouts stay unguided as failures of kind 'deadline', counted by the breaker.
 * - `onStatus` hears what the phase waits for, at its start and after each call.
 */
import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import { callOutcome } from './breakerTeacher';
import type { CircuitBreaker } from './circuitBreaker';
import type { TeacherPhaseStatus } from '../../contract/teacher';
import type { Teacher, TeacherRequest, TeacherResult } from './types';

/** Default of `teacher.stepDeadlineMs`: two minutes. */
export const DEFAULT_STEP_DEADLINE_MS = OPTIONAL_DEFAULTS.teacher.stepDeadlineMs;

export interface TeacherPhaseOptions {
  breaker: CircuitBreaker;
  /** 0: no deadline. */
  deadlineMs: number;
  /** Cancels the whole phase (the run stops); results are then 'cancelled'. */
  signal?: AbortSignal;
  onStatus?: (s: Readonly<TeacherPhaseStatus>) => void;
  /** Starts the deadline timer and returns its cancel (default: setTimeout); tests fire it by hand. */
  timer?: (ms: number, fire: () => void) => () => void;
}

export type PhaseResult = TeacherResult | 'skipped';

const defaultTimer = (ms: number, fire: () => void) => {
  const t = setTimeout(fire, ms);
  return () => clearTimeout(t);
};

/** Runs the teacher phase (see the top of this file); one result per request, in order. */
export async function runTeacherPhase(
  teacher: Teacher,
  requests: readonly TeacherRequest[],
  o: TeacherPhaseOptions,
): Promise<PhaseResult[]> {
  const phase = new AbortController();
  let stopped: 'deadline' | 'circuit' | null = null;
  const stop = (why: 'deadline' | 'circuit') => {
    stopped ??= why;
    phase.abort();
  };
  const onOuterAbort = () => phase.abort();
  if (o.signal?.aborted) phase.abort();
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const cancelTimer =
    o.deadlineMs > 0 ? (o.timer ?? defaultTimer)(o.deadlineMs, () => stop('deadline')) : () => {};
  const status: TeacherPhaseStatus = {
    teacher: teacher.name,
    total: requests.length,
    answered: 0,
    failed: 0,
    skipped: 0,
    pending: requests.length,
    deadlineMs: o.deadlineMs,
    startedAt: Date.now(),
  };
  const emit = () => o.onStatus?.({ ...status });
  emit();
  const userCancelled = () => o.signal?.aborted === true;

  const one = async (req: TeacherRequest): Promise<PhaseResult> => {
    const ticket = o.breaker.acquire();
    if (ticket === 'skip') return 'skipped';
    let result: TeacherResult;
    try {
      result = await teacher.guide({
        ...req,
        signal: phase.signal,
        onAttemptFailed: () => {
          o.breaker.recordAttemptFailure();
          if (o.breaker.state !== 'closed') stop('circuit');
        },
      });
    } catch (e) {
      // Teachers never reject by contract; if one does, it is a failed call, not a crash.
      result = {
        ok: false,
        failure: 'bad_request',
        message: `the teacher threw: ${(e as Error).message}`,
        latencyMs: 0,
      };
    }
    const cancelled = !result.ok && result.failure === 'cancelled' && !userCancelled();
    if (cancelled && stopped === 'circuit') {
      o.breaker.record('neutral', ticket);
      return 'skipped';
    }
    if (cancelled && stopped === 'deadline') {
      result = {
        ok: false,
        failure: 'deadline',
        message: `no guidance within the step's teacher deadline (teacher.stepDeadlineMs = ${o.deadlineMs} ms); the rollout stays unguided`,
        latencyMs: result.latencyMs,
      };
      o.breaker.record('failure', ticket);
    } else o.breaker.record(callOutcome(result), ticket);
    if (o.breaker.state !== 'closed') stop('circuit');
    return result;
  };

  try {
    return await Promise.all(
      requests.map(async (req) => {
        const r = await one(req);
        status.pending -= 1;
        if (r === 'skipped') status.skipped += 1;
        else if (r.ok) status.answered += 1;
        else status.failed += 1;
        emit();
        return r;
      }),
    );
  } finally {
    cancelTimer();
    o.signal?.removeEventListener('abort', onOuterAbort);
  }
}
