import { describe, expect, it } from 'vitest';
import { callOutcome, guideThroughBreaker } from './breakerTeacher';
import { CircuitBreaker } from './circuitBreaker';
import type { Teacher, TeacherRequest, TeacherResult } from './types';

/** A clock the test moves by hand. */
function manualClock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const fail = (b: CircuitBreaker) => {
  const ticket = b.acquire();
  if (ticket === 'skip') throw new Error('expected a call');
  b.record('failure', ticket);
  return ticket;
};

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, probes after the cool-down, closes on success', () => {
    const clock = manualClock();
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 500 }, clock.now);
    expect(b.state).toBe('closed');
    fail(b);
    fail(b);
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(2);
    fail(b);
    expect(b.state).toBe('open');
    expect(b.opens).toBe(1);
    expect(b.nextProbeAt).toBe(1500);
    expect(b.acquire()).toBe('skip');
    clock.advance(499);
    expect(b.acquire()).toBe('skip');
    clock.advance(1);
    expect(b.state).toBe('half-open');
    expect(b.acquire()).toBe('probe');
    // Only one probe at a time.
    expect(b.acquire()).toBe('skip');
    b.record('success', 'probe');
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(0);
    expect(b.acquire()).toBe('call');
  });

  it('a failed probe opens it again for a full cool-down', () => {
    const clock = manualClock();
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100 }, clock.now);
    fail(b);
    expect(b.state).toBe('open');
    clock.advance(100);
    expect(fail(b)).toBe('probe');
    expect(b.state).toBe('open');
    expect(b.opens).toBe(2);
    expect(b.nextProbeAt).toBe(1200);
    clock.advance(99);
    expect(b.acquire()).toBe('skip');
    clock.advance(1);
    expect(b.acquire()).toBe('probe');
  });

  it('a success in between resets the count; neutral outcomes count neither way', () => {
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100 }, manualClock().now);
    fail(b);
    b.record('success', b.acquire() as 'call');
    fail(b);
    expect(b.state).toBe('closed');
    b.record('neutral', b.acquire() as 'call');
    expect(b.consecutiveFailures).toBe(1);
    fail(b);
    expect(b.state).toBe('open');
  });

  it('a cancelled probe frees the probe slot without closing or re-opening', () => {
    const clock = manualClock();
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10 }, clock.now);
    fail(b);
    clock.advance(10);
    expect(b.acquire()).toBe('probe');
    b.record('neutral', 'probe');
    expect(b.state).toBe('half-open');
    expect(b.acquire()).toBe('probe');
  });

  it('threshold 0 never opens; configure() changes N live; reset() closes', () => {
    const b = new CircuitBreaker({ failureThreshold: 0, cooldownMs: 10 }, manualClock().now);
    for (let i = 0; i < 50; i++) fail(b);
    expect(b.state).toBe('closed');
    b.configure({ failureThreshold: 2 });
    b.reset();
    fail(b);
    fail(b);
    expect(b.state).toBe('open');
    b.reset();
    expect(b.state).toBe('closed');
    expect(b.acquire()).toBe('call');
  });
});

describe('guideThroughBreaker', () => {
  const req: TeacherRequest = {
    item: { id: 'q', prompt: 'Q', answer: '1', source: 'test' },
    question: 'Q',
    response: 'R',
  };
  const failing = (failure: 'server_error' | 'cancelled'): Teacher & { calls: number } => ({
    name: 'stub',
    calls: 0,
    async guide(): Promise<TeacherResult> {
      this.calls++;
      return { ok: false, failure, message: 'x', latencyMs: 0 };
    },
  });

  it('makes no call while open and counts a thrown error as a failure', async () => {
    const clock = manualClock();
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000 }, clock.now);
    const t = failing('server_error');
    await guideThroughBreaker(b, t, req);
    await guideThroughBreaker(b, t, req);
    expect(await guideThroughBreaker(b, t, req)).toBe('skipped');
    expect(t.calls).toBe(2);
    clock.advance(1000);
    const throwing: Teacher = {
      name: 'throws',
      guide: () => Promise.reject(new Error('boom')),
    };
    const r = await guideThroughBreaker(b, throwing, req);
    expect(r).toMatchObject({ ok: false, message: 'the teacher threw: boom' });
    expect(b.state).toBe('open');
  });

  it('cancellations never open the circuit', async () => {
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000 }, manualClock().now);
    const t = failing('cancelled');
    for (let i = 0; i < 5; i++) await guideThroughBreaker(b, t, req);
    expect(t.calls).toBe(5);
    expect(b.state).toBe('closed');
    expect(callOutcome({ ok: false, failure: 'cancelled', message: '', latencyMs: 0 })).toBe(
      'neutral',
    );
  });
});
