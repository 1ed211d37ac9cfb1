/**
 * What keeps a run going through faults, step by step: the teacher's circuit breaker (calls
 * pause after repeated failures, probe again after a cool-down) and the non-finite guard (bad
 * weights are put back, non-finite steps in a row are counted and pause the run at
 * rl.maxNonFiniteSteps). The trainer owns one; it adds its metrics and notes to each step.
 */
import type * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../contract/config';
import { teacherFailureMetric } from '../../contract/metrics';
import { guideThroughBreaker } from '../teacher/breakerTeacher';
import { CircuitBreaker, DEFAULT_CIRCUIT, type CircuitState } from '../teacher/circuitBreaker';
import { DEFAULT_STEP_DEADLINE_MS, runTeacherPhase } from '../teacher/teacherPhase';
import { type TeacherPhaseStatus } from '../../contract/teacher';
import { TEACHER_FAILURE_KINDS } from '../../contract/teacher';
import type { Teacher, TeacherRequest, TeacherResult } from '../teacher/types';
import { DEFAULT_MAX_NONFINITE_STEPS, NonFiniteGuard } from './numericGuard';
import type { StepResult } from '../../contract/loopRecords';

/** Failure kinds reported per step (the teacher's own plus the trainer's `too_long`). */
export const STEP_FAILURE_KINDS: readonly string[] = [...TEACHER_FAILURE_KINDS, 'too_long'];

export class StepGuards {
  readonly breaker: CircuitBreaker;
  private guard: NonFiniteGuard | null = null;
  private skippedCalls = 0;

  constructor(
    private readonly now: () => number = Date.now,
    /** The teacher deadline's timer (default setTimeout); tests fire it by hand. */
    private readonly timer?: (ms: number, fire: () => void) => () => void,
  ) {
    this.breaker = new CircuitBreaker({}, now);
  }

  /** Call before each step: the first call takes the starting weights as the last good ones. */
  beforeStep(vars: tf.Variable[], step: number): void {
    this.guard ??= new NonFiniteGuard(vars, step);
  }

  /**
   * The step's teacher phase (teacher/teacherPhase.ts): every request through the circuit
   * breaker, failed attempts counted as they happen, and the phase cut at
   * teacher.stepDeadlineMs; one result per request ('skipped': no call, or cancelled when the
   * circuit opened).
   */
  async guideAll(
    teacher: Teacher,
    config: RunConfig,
    requests: readonly TeacherRequest[],
    opts: { signal?: AbortSignal; onStatus?: (s: Readonly<TeacherPhaseStatus>) => void } = {},
  ): Promise<Array<TeacherResult | 'skipped'>> {
    this.configureBreaker(config);
    const results = await runTeacherPhase(teacher, requests, {
      breaker: this.breaker,
      deadlineMs: config.teacher.stepDeadlineMs ?? DEFAULT_STEP_DEADLINE_MS,
      signal: opts.signal,
      onStatus: opts.onStatus,
      timer: this.timer,
    });
    this.skippedCalls += results.filter((r) => r === 'skipped').length;
    return results;
  }

  private configureBreaker(config: RunConfig): void {
    this.breaker.configure({
      failureThreshold: config.teacher.circuitFailures ?? DEFAULT_CIRCUIT.failureThreshold,
      cooldownMs: config.teacher.circuitCooldownMs ?? DEFAULT_CIRCUIT.cooldownMs,
    });
  }

  /** Asks the teacher through the circuit breaker (settings from config.teacher); 'skipped' while open. */
  guide(
    teacher: Teacher,
    config: RunConfig,
    req: TeacherRequest,
  ): Promise<TeacherResult | 'skipped'> {
    this.configureBreaker(config);
    return guideThroughBreaker(this.breaker, teacher, req).then((r) => {
      if (r === 'skipped') this.skippedCalls++;
      return r;
    });
  }

  /**
   * After step `step` (1-based) of a run on `vars`: checks the weights, counts non-finite steps,
   * sets `result.halt` at the limit (with the last good weights put back), and adds the metrics
   * `numerics/*` and, when a teacher is in use, `thinktuning/teacher_failures/<kind>`,
   * `thinktuning/teacher_circuit_open` and `thinktuning/teacher_skipped`.
   */
  async afterStep(
    result: StepResult,
    step: number,
    vars: tf.Variable[],
    config: RunConfig,
    withTeacher: boolean,
  ): Promise<void> {
    const m = result.metrics;
    this.beforeStep(vars, step - 1);
    const guard = this.guard!;
    const skippedUpdates = m['update/skipped'] ?? 0;
    const n = await guard.afterStep(step, skippedUpdates);
    m['numerics/nonfinite_skipped'] = skippedUpdates;
    m['numerics/weights_restored'] = n.restored ? 1 : 0;
    m['numerics/nonfinite_streak'] = n.streak;
    if (n.restored)
      result.notes.push(
        `step ${step}: the weights became non-finite (NaN/Inf); the weights of step ${n.lastGoodStep} were put back`,
      );
    const limit = config.rl.maxNonFiniteSteps ?? DEFAULT_MAX_NONFINITE_STEPS;
    if (limit > 0 && n.streak >= limit) {
      guard.restore();
      result.halt = {
        reason: 'non-finite',
        step,
        lastGoodStep: n.lastGoodStep,
        message: nonFiniteAdvice(n.streak, n.lastGoodStep, config),
      };
    }
    const skipped = this.skippedCalls;
    this.skippedCalls = 0;
    if (!withTeacher) return;
    for (const kind of STEP_FAILURE_KINDS) m[teacherFailureMetric(kind)] ??= 0;
    const state: CircuitState = this.breaker.state;
    m['thinktuning/teacher_circuit_open'] = state === 'closed' ? 0 : 1;
    m['thinktuning/teacher_skipped'] = skipped;
    if (skipped > 0 || (state !== 'closed' && m['thinktuning/teacher_failures']! > 0)) {
      const at = this.breaker.nextProbeAt;
      const wait = at === null ? 0 : Math.max(0, Math.ceil((at - this.now()) / 1000));
      result.notes.push(
        `Teacher calls paused: ${this.breaker.consecutiveFailures} failed calls in a row opened the circuit; ` +
          `${skipped} rollout(s) stayed unguided without a call and training goes on; the next probe goes out in about ${wait} s`,
      );
    }
  }

  /** Copies of the last good weights (caller disposes), or null before the first step. */
  lastGoodWeights(): { step: number; weights: tf.Tensor[] } | null {
    return this.guard
      ? { step: this.guard.lastGoodStep, weights: this.guard.lastGoodWeights() }
      : null;
  }

  dispose(): void {
    this.guard?.dispose();
    this.guard = null;
  }
}

/** The pause message: what happened and the settings most likely to fix it. */
export function nonFiniteAdvice(streak: number, lastGoodStep: number, c: RunConfig): string {
  return (
    `${streak} steps in a row had a non-finite (NaN/Inf) loss, gradient or weights, so the run is paused ` +
    `with the weights of step ${lastGoodStep}, the last good step. Likely fixes: lower rl.lr (now ${c.rl.lr}), ` +
    `turn on or lower rl.gradClip (now ${c.rl.gradClip}), lower rl.epsHigh or set rl.dualClip, ` +
    `or check the reward weights; then resume.`
  );
}
