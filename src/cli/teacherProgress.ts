/**
 * What `train` prints while a step waits for the teacher: a line when the teacher phase starts
 * (what is asked of whom, and the deadline), then every `everyMs` a line saying how many calls
 * are still out and how long until the rest stay unguided. Without it a hung teacher looks like
 * a hung run.
 */
import type { TeacherPhaseStatus } from '../contract/teacher';

/** The line for a teacher phase's status at time `now` (ms, Date.now()). */
export function describeTeacherWait(
  step: number,
  s: Readonly<TeacherPhaseStatus>,
  now: number,
): string {
  const elapsed = Math.max(0, Math.round((now - s.startedAt) / 1000));
  const left =
    s.deadlineMs > 0
      ? `; the rest stay unguided in ${Math.max(0, Math.ceil((s.startedAt + s.deadlineMs - now) / 1000))} s (teacher.stepDeadlineMs)`
      : '';
  if (s.pending === s.total && elapsed === 0)
    return `step ${step}: asking the teacher ${s.teacher} for guidance on ${s.total} rollout(s)${s.deadlineMs > 0 ? `, for at most ${Math.round(s.deadlineMs / 1000)} s` : ''}`;
  return `step ${step}: waiting ${elapsed} s for the teacher ${s.teacher}: ${s.pending} of ${s.total} call(s) pending (${s.answered} answered, ${s.failed} failed, ${s.skipped} skipped)${left}`;
}

/** The hooks that print those lines through `log`. */
export function teacherProgress(
  log: (line: string) => void,
  everyMs = 15_000,
): {
  onStatus: (step: number, s: Readonly<TeacherPhaseStatus>) => void;
  stepDone: () => void;
} {
  let timer: ReturnType<typeof setInterval> | null = null;
  let last: { step: number; s: Readonly<TeacherPhaseStatus> } | null = null;
  const stepDone = () => {
    if (timer) clearInterval(timer);
    timer = null;
    last = null;
  };
  return {
    onStatus: (step, s) => {
      if (s.total === 0) return;
      const first = last === null;
      last = { step, s };
      if (first) {
        log(describeTeacherWait(step, s, s.startedAt));
        timer = setInterval(
          () => last && log(describeTeacherWait(last.step, last.s, Date.now())),
          everyMs,
        );
        timer.unref?.();
      }
      if (s.pending === 0) stepDone();
    },
    stepDone,
  };
}
