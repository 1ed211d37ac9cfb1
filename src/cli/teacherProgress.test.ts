/** The line `train` prints while a step waits for the teacher. */
import { describe, expect, it } from 'vitest';
import type { TeacherPhaseStatus } from '../contract/teacher';
import { describeTeacherWait } from './teacherProgress';

describe('the progress line while a step waits for the teacher', () => {
  const s: TeacherPhaseStatus = {
    teacher: 'http:llama3.2@127.0.0.1:11434',
    total: 10,
    answered: 3,
    failed: 1,
    skipped: 0,
    pending: 6,
    deadlineMs: 120_000,
    startedAt: 1_000_000,
  };
  it('says whom it asks, what is pending and when the rest stay unguided', () => {
    expect(describeTeacherWait(4, { ...s, answered: 0, failed: 0, pending: 10 }, 1_000_000)).toBe(
      'step 4: asking the teacher http:llama3.2@127.0.0.1:11434 for guidance on 10 rollout(s), for at most 120 s',
    );
    expect(describeTeacherWait(4, s, 1_045_000)).toBe(
      'step 4: waiting 45 s for the teacher http:llama3.2@127.0.0.1:11434: 6 of 10 call(s) pending (3 answered, 1 failed, 0 skipped); the rest stay unguided in 75 s (teacher.stepDeadlineMs)',
    );
  });
});
