/**
 * The teacher phase of a step against a dead teacher: failed attempts open the circuit as they
 * happen, the deadline leaves the rest unguided, and the status says what is waited for. The
 * deadline's timer is fired by hand: no assertion depends on how long anything takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuitBreaker';
import { HttpTeacher } from './http';
import { runTeacherPhase } from './teacherPhase';
import { type TeacherPhaseStatus } from '../../contract/teacher';
import {
  startTestTeacherServer,
  type TestTeacherServer,
} from '../../../test/teacherServer/testServer';
import type { Teacher, TeacherRequest, TeacherResult } from './types';

const item = { id: 'q', prompt: 'What is 2 + 3?', answer: '5', source: 'test' };
const requests = (n: number): TeacherRequest[] =>
  Array.from({ length: n }, () => ({ item, question: item.prompt, response: '5' }));

/** A teacher that never answers: each call waits until it is cancelled; `fail()` times out an attempt of every call. */
function hungTeacher() {
  const waiting: TeacherRequest[] = [];
  const teacher: Teacher = {
    name: 'hung',
    guide: (req) => {
      waiting.push(req);
      return new Promise<TeacherResult>((resolve) => {
        const cancel = () =>
          resolve({ ok: false, failure: 'cancelled', message: 'cancelled', latencyMs: 0 });
        if (req.signal?.aborted) cancel();
        req.signal?.addEventListener('abort', cancel, { once: true });
      });
    },
  };
  return {
    teacher,
    waiting,
    failAttempts: () => waiting.forEach((r) => r.onAttemptFailed?.('timeout')),
  };
}

/** A timer the test fires. */
function manualTimer() {
  const t = { fire: () => {}, ms: 0 };
  return {
    t,
    timer: (ms: number, fire: () => void) => {
      t.ms = ms;
      t.fire = fire;
      return () => {};
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('runTeacherPhase', () => {
  it('counts failed attempts as they happen: the circuit opens before any call ends', async () => {
    const hung = hungTeacher();
    const breaker = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 30_000 });
    const { timer } = manualTimer();
    const phase = runTeacherPhase(hung.teacher, requests(4), {
      breaker,
      deadlineMs: 120_000,
      timer,
    });
    await flush();
    hung.failAttempts(); // four timeouts, one per call
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(4);
    hung.waiting[0].onAttemptFailed?.('timeout'); // the fifth opens the circuit
    const results = await phase;
    expect(breaker.state).toBe('open');
    // The calls still waiting were cancelled: their rollouts stay unguided without a failure.
    expect(results).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    // The next step makes no call at all while the circuit is open.
    const again = await runTeacherPhase(hung.teacher, requests(2), { breaker, deadlineMs: 0 });
    expect(again).toEqual(['skipped', 'skipped']);
    expect(hung.waiting).toHaveLength(4);
  });

  it('leaves the calls still waiting at the deadline unguided, as deadline failures', async () => {
    const hung = hungTeacher();
    const breaker = new CircuitBreaker({ failureThreshold: 0, cooldownMs: 30_000 });
    const { t, timer } = manualTimer();
    const statuses: TeacherPhaseStatus[] = [];
    const phase = runTeacherPhase(hung.teacher, requests(3), {
      breaker,
      deadlineMs: 90_000,
      timer,
      onStatus: (s) => statuses.push({ ...s }),
    });
    await flush();
    expect(t.ms).toBe(90_000);
    t.fire();
    const results = (await phase) as Array<Extract<TeacherResult, { ok: false }>>;
    expect(results.map((r) => r.failure)).toEqual(['deadline', 'deadline', 'deadline']);
    expect(results[0].message).toMatch(
      /no guidance within the step's teacher deadline \(teacher\.stepDeadlineMs = 90000 ms\); the rollout stays unguided/,
    );
    expect(breaker.consecutiveFailures).toBe(3);
    expect(statuses.map((s) => [s.pending, s.failed])).toEqual([
      [3, 0],
      [2, 1],
      [1, 2],
      [0, 3],
    ]);
  });

  it('a run that stops cancels the calls without counting them against the teacher', async () => {
    const hung = hungTeacher();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 30_000 });
    const stop = new AbortController();
    const phase = runTeacherPhase(hung.teacher, requests(2), {
      breaker,
      deadlineMs: 0,
      signal: stop.signal,
    });
    await flush();
    stop.abort();
    const results = (await phase) as TeacherResult[];
    expect(results.map((r) => !r.ok && r.failure)).toEqual(['cancelled', 'cancelled']);
    expect(breaker.state).toBe('closed');
  });

  describe('against a real server that never answers', () => {
    let server: TestTeacherServer;
    beforeAll(async () => {
      server = await startTestTeacherServer({ mode: 'hang' });
    });
    afterAll(() => server.close());

    it('the deadline ends the phase though each call would retry for longer', async () => {
      const teacher = new HttpTeacher({
        baseURL: server.url,
        model: 'm',
        timeoutMs: 600_000,
        retries: 2,
      });
      const breaker = new CircuitBreaker({ failureThreshold: 0, cooldownMs: 30_000 });
      const { t, timer } = manualTimer();
      const phase = runTeacherPhase(teacher, requests(2), { breaker, deadlineMs: 1000, timer });
      while (server.requests.inFlight < 2) await new Promise((r) => setTimeout(r, 5));
      t.fire();
      const results = (await phase) as TeacherResult[];
      expect(results.map((r) => !r.ok && r.failure)).toEqual(['deadline', 'deadline']);
    });
  });
});
