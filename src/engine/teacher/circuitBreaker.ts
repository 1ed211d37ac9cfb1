import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
/**
 * A circuit breaker for teacher calls: after `failureThreshold` failed calls in a row it opens
 * and no call goes out; after `cooldownMs` one probe call is let through (half-open); the probe's
 * success closes it, its failure opens it again for another cool-down.
 *
 *   closed --N consecutive failures--> open --cool-down--> half-open --success--> closed
 *                                        ^                      |
 *                                        +-------failure--------+
 *
 * Pure: the only outside input is the injected clock, so tests drive it step by step.
 */

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  /** Consecutive failures that open the circuit (0 = never open). */
  failureThreshold: number;
  /** Time the circuit stays open before a probe, in ms. */
  cooldownMs: number;
}

/** Defaults of `teacher.circuitFailures` and `teacher.circuitCooldownMs`. */
export const DEFAULT_CIRCUIT: CircuitOptions = {
  failureThreshold: OPTIONAL_DEFAULTS.teacher.circuitFailures,
  cooldownMs: OPTIONAL_DEFAULTS.teacher.circuitCooldownMs,
};

/** What a caller may do now: call (closed), send the one probe (half-open), or skip the call. */
export type CircuitTicket = 'call' | 'probe' | 'skip';

/** How a call that went out ended, for the breaker. */
export type CallOutcome = 'success' | 'failure' | 'neutral';

export class CircuitBreaker {
  private opts: CircuitOptions;
  private failuresInRow = 0;
  private openedAt: number | null = null;
  private probing = false;
  /** Times the circuit went from closed (or half-open) to open. */
  opens = 0;

  constructor(
    options: Partial<CircuitOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...DEFAULT_CIRCUIT, ...options };
  }

  /** Changes N and the cool-down (live config); the state is kept. */
  configure(options: Partial<CircuitOptions>): void {
    this.opts = { ...this.opts, ...options };
    if (this.opts.failureThreshold <= 0) this.reset();
  }

  get options(): Readonly<CircuitOptions> {
    return this.opts;
  }

  /** The state at this moment (open turns half-open once the cool-down has passed). */
  get state(): CircuitState {
    if (this.openedAt === null) return 'closed';
    if (this.probing || this.now() - this.openedAt >= this.opts.cooldownMs) return 'half-open';
    return 'open';
  }

  /** Consecutive failures counted so far. */
  get consecutiveFailures(): number {
    return this.failuresInRow;
  }

  /** When the next probe may go out (ms on the injected clock), or null while closed. */
  get nextProbeAt(): number | null {
    return this.openedAt === null ? null : this.openedAt + this.opts.cooldownMs;
  }

  /** Asks to make a call. A 'call' or 'probe' ticket must be followed by `record(outcome, ticket)`. */
  acquire(): CircuitTicket {
    const state = this.state;
    if (state === 'closed') return 'call';
    if (state === 'open' || this.probing) return 'skip';
    this.probing = true;
    return 'probe';
  }

  /** Reports how an admitted call ended. 'neutral' (e.g. cancelled) counts neither way. */
  record(outcome: CallOutcome, ticket: Exclude<CircuitTicket, 'skip'>): void {
    if (ticket === 'probe') this.probing = false;
    if (outcome === 'neutral') return;
    if (outcome === 'success') {
      this.failuresInRow = 0;
      this.openedAt = null;
      return;
    }
    this.failuresInRow += 1;
    if (ticket === 'probe') {
      this.open();
      return;
    }
    const threshold = this.opts.failureThreshold;
    if (this.openedAt === null && threshold > 0 && this.failuresInRow >= threshold) this.open();
  }

  /**
   * Counts a failed attempt of a call that goes on (it will be retried) as it happens, so a hung
   * teacher opens the circuit after `failureThreshold` timeouts, not after as many whole calls.
   * During a probe, a failed attempt opens the circuit again at once.
   */
  recordAttemptFailure(): void {
    this.failuresInRow += 1;
    const threshold = this.opts.failureThreshold;
    if (
      this.probing ||
      (this.openedAt === null && threshold > 0 && this.failuresInRow >= threshold)
    )
      this.open();
  }

  /** Back to closed with no failures counted (e.g. the teacher settings changed). */
  reset(): void {
    this.failuresInRow = 0;
    this.openedAt = null;
    this.probing = false;
  }

  private open(): void {
    this.openedAt = this.now();
    this.opens += 1;
  }
}
