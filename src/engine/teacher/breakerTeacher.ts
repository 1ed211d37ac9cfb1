/**
 * A teacher call guarded by a circuit breaker: while the circuit is open the call is not made
 * and the rollout stays unguided; a cancelled call counts neither as a success nor a failure.
 */
import type { CallOutcome, CircuitBreaker } from './circuitBreaker';
import type { Teacher, TeacherRequest, TeacherResult } from './types';

/** The breaker's view of a result: every failure counts except a cancellation. */
export function callOutcome(result: TeacherResult): CallOutcome {
  if (result.ok) return 'success';
  return result.failure === 'cancelled' ? 'neutral' : 'failure';
}

/** Asks `teacher` unless the circuit is open; 'skipped' when no call was made. */
export async function guideThroughBreaker(
  breaker: CircuitBreaker,
  teacher: Teacher,
  req: TeacherRequest,
): Promise<TeacherResult | 'skipped'> {
  const ticket = breaker.acquire();
  if (ticket === 'skip') return 'skipped';
  let result: TeacherResult;
  try {
    result = await teacher.guide(req);
  } catch (e) {
    // Teachers never reject by contract; if one does, it is a failed call, not a crash.
    result = {
      ok: false,
      failure: 'bad_request',
      message: `the teacher threw: ${(e as Error).message}`,
      latencyMs: 0,
    };
  }
  breaker.record(callOutcome(result), ticket);
  return result;
}
