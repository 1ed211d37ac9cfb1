/**
 * Guards a run against NaN/Inf. Updates with a non-finite loss or gradient are skipped before
 * they touch the weights (update.ts, AdamW); this guard also checks the weights after each step,
 * puts back the last good weights when they went non-finite, counts non-finite steps in a row,
 * and keeps an in-memory "last good" copy of the weights (taken after every clean step).
 *
 * The copy is cheap: `tf.clone` shares the variable's buffer on cpu/webgl/webgpu (one memcpy on
 * wasm), and the optimizer's `assign` gives the variable a new buffer, so the clone keeps the old
 * values.
 */
import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import * as tf from '@tensorflow/tfjs';

/** Default of `rl.maxNonFiniteSteps`. */
export const DEFAULT_MAX_NONFINITE_STEPS = OPTIONAL_DEFAULTS.rl.maxNonFiniteSteps;

/** What the guard concluded about one step. */
export interface NumericsReport {
  /** The step had a skipped update or ended with non-finite weights. */
  nonFinite: boolean;
  /** The weights were non-finite after the step and were put back to the last good ones. */
  restored: boolean;
  /** Non-finite steps in a row, this one included (0 after a clean step). */
  streak: number;
  /** The step whose weights the last good copy holds (0 = the weights the trainer started with). */
  lastGoodStep: number;
}

/** Whether every value of every tensor is finite: sum(x * 0) is 0, or NaN if any x is NaN/Inf. */
export async function allFinite(tensors: readonly tf.Tensor[]): Promise<boolean> {
  if (tensors.length === 0) return true;
  const probe = tf.tidy(() => tf.addN(tensors.map((t) => t.mul(0).sum())));
  const value = (await probe.data())[0]; // one scalar readback
  probe.dispose();
  return Number.isFinite(value);
}

export class NonFiniteGuard {
  private snapshot: tf.Tensor[];
  private lastGood: number;
  private inRow = 0;

  /** `startStep`: the step the current weights belong to (a resumed trainer's step). */
  constructor(
    private readonly vars: tf.Variable[],
    startStep = 0,
  ) {
    this.snapshot = vars.map((v) => tf.clone(v));
    this.lastGood = startStep;
  }

  /** Non-finite steps in a row so far. */
  get streak(): number {
    return this.inRow;
  }

  /** The step whose weights the last good copy holds. */
  get lastGoodStep(): number {
    return this.lastGood;
  }

  /** Judges step `step` (1-based) after its updates; `skippedUpdates` came from update.ts. */
  async afterStep(step: number, skippedUpdates: number): Promise<NumericsReport> {
    const finite = await allFinite(this.vars);
    if (!finite) this.restore();
    const nonFinite = skippedUpdates > 0 || !finite;
    if (nonFinite) this.inRow += 1;
    else {
      this.inRow = 0;
      this.take(step);
    }
    return {
      nonFinite,
      restored: !finite,
      streak: this.inRow,
      lastGoodStep: this.lastGood,
    };
  }

  /** Puts the last good weights back into the model's variables. */
  restore(): void {
    this.vars.forEach((v, i) => v.assign(this.snapshot[i]));
  }

  /** Copies of the last good weights, aligned with the model's variables (caller disposes). */
  lastGoodWeights(): tf.Tensor[] {
    return this.snapshot.map((t) => t.clone());
  }

  /** Forgets the streak and takes the current weights as good (e.g. after a resume). */
  resetTo(step: number): void {
    this.inRow = 0;
    this.take(step);
  }

  private take(step: number): void {
    const next = this.vars.map((v) => tf.clone(v));
    tf.dispose(this.snapshot);
    this.snapshot = next;
    this.lastGood = step;
  }

  dispose(): void {
    tf.dispose(this.snapshot);
    this.snapshot = [];
  }
}
