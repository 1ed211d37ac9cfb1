/**
 * What the run controls say about the run: one status word for the pill and, while a pressed
 * control takes effect, a line that says what happens next. Pure (unit-tested).
 *
 * A step cannot be interrupted in every phase: Stop cuts a rollout at its next decoding step
 * and cancels teacher calls, but an update or the held-out evaluation runs to its end, and Pause
 * always waits for the step. The line says which, from the moment the button is pressed.
 */
import type { RunPhase, RunProgress, RunStatus } from '../session/protocol';
import type { PendingControl } from '../state/slices';

export interface RunStatusView {
  /** The pill's word: the run's status, or "pausing" / "stopping" while that takes effect. */
  word: RunStatus | 'pausing';
  /** What happens next, while a control takes effect (null otherwise). */
  ack: string | null;
}

const STOP_AFTER: Record<RunPhase, string> = {
  preparing: 'stopping once the data and student are ready…',
  'warm-up': 'stopping after this warm-up step…',
  rollout: 'stopping after this decoding step…',
  teacher: 'stopping: cancelling the teacher calls…',
  update: 'stopping after this update…',
  evaluating: 'stopping after the held-out evaluation…',
};

const PAUSE_AFTER: Partial<Record<RunPhase, string>> = {
  'warm-up': 'pausing after this warm-up step…',
  evaluating: 'pausing after the held-out evaluation…',
};

function ended(s: RunStatus): boolean {
  return s === 'idle' || s === 'done' || s === 'stopped' || s === 'failed';
}

export function runStatusView(p: RunProgress, pending: PendingControl): RunStatusView {
  if (ended(p.status)) return { word: p.status, ack: null };
  if (pending === 'stop' || p.status === 'stopping')
    return { word: 'stopping', ack: p.phase ? STOP_AFTER[p.phase] : 'stopping…' };
  const computing = p.phase !== null && !p.waiting;
  if (p.status === 'paused' && computing)
    return pending === 'step'
      ? { word: 'paused', ack: 'running one step, then waiting…' }
      : { word: 'pausing', ack: PAUSE_AFTER[p.phase!] ?? 'pausing after this step…' };
  if (pending === 'pause' && p.status === 'running')
    return {
      word: 'pausing',
      ack: (p.phase && PAUSE_AFTER[p.phase]) ?? 'pausing after this step…',
    };
  if (pending === 'step' && p.status === 'paused')
    return { word: 'paused', ack: 'running one step, then waiting…' };
  return { word: p.status, ack: null };
}
