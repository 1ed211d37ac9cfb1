import type { Trajectory } from '../contract/loopRecords';
import type { StoredSteps } from './protocol';

/**
 * Per-step trajectories of the last steps, kept within a memory budget: the oldest steps are
 * dropped first once the estimate passes `budgetBytes` or more than `maxSteps` are held. The
 * newest step is always kept, whatever its size.
 */
export class TrajectoryStore {
  private readonly byStep = new Map<number, { trajectories: Trajectory[]; bytes: number }>();
  private total = 0;

  constructor(
    readonly budgetBytes = 64 * 1024 * 1024,
    readonly maxSteps = 1000,
  ) {}

  /** Rough heap size of one step's records: per token ~200-450 bytes, strings 2 bytes a char. */
  static estimateBytes(trajectories: readonly Trajectory[]): number {
    let bytes = 0;
    for (const t of trajectories) {
      bytes += 600 + 2 * (t.question.length + t.response.length + t.answer.length);
      if (t.guidance) bytes += 2 * (t.guidance.reason.length + t.guidance.phrase.length);
      // the explainer's numbers (TokenRecord.explain) add about 250 bytes a token
      for (const k of t.tokens) bytes += (k.explain ? 450 : 200) + 2 * k.text.length;
    }
    return bytes;
  }

  add(step: number, trajectories: Trajectory[]): void {
    this.remove(step);
    const bytes = TrajectoryStore.estimateBytes(trajectories);
    this.byStep.set(step, { trajectories, bytes });
    this.total += bytes;
    for (const s of [...this.byStep.keys()].sort((a, b) => a - b)) {
      if (this.byStep.size <= 1) break;
      if (this.total <= this.budgetBytes && this.byStep.size <= this.maxSteps) break;
      this.remove(s);
    }
  }

  get(step: number): Trajectory[] | undefined {
    return this.byStep.get(step)?.trajectories;
  }

  steps(): number[] {
    return [...this.byStep.keys()].sort((a, b) => a - b);
  }

  summary(): StoredSteps {
    return { steps: this.steps(), bytes: this.total, budgetBytes: this.budgetBytes };
  }

  /** One JSON object per line, trajectories.jsonl's format (NaN becomes null, as in JSON). */
  toJsonl(steps: readonly number[]): string {
    return steps
      .flatMap((s) => this.get(s) ?? [])
      .map((t) => JSON.stringify(t))
      .join('\n')
      .concat(steps.length ? '\n' : '');
  }

  clear(): void {
    this.byStep.clear();
    this.total = 0;
  }

  private remove(step: number): void {
    const old = this.byStep.get(step);
    if (!old) return;
    this.total -= old.bytes;
    this.byStep.delete(step);
  }
}
