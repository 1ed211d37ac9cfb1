/**
 * Step-through mode in the worker: while on, each stage of an RL step is posted to the page
 * (a `stage` event) and the step waits here until the page sends `stage-next`, the mode is
 * turned off or the run stops. One gate per session; the running TrainingRun asks it.
 */
import type { StageSummary } from '../../contract/stages';
import type { WorkerEvent } from '../protocol';

export class StageGate {
  private mode = false;
  private wake: (() => void) | null = null;

  constructor(private readonly post: (e: WorkerEvent) => void) {}

  get on(): boolean {
    return this.mode;
  }

  setMode(on: boolean): void {
    this.mode = on;
    if (!on) this.release();
  }

  /** Posts the stage and waits for `next` (returns at once when the mode is off or `stopped`). */
  async wait(run: number, stage: StageSummary, stopped: () => boolean): Promise<void> {
    if (!this.mode || stopped()) return;
    this.post({ type: 'stage', run, stage, waiting: true });
    await new Promise<void>((r) => (this.wake = r));
    this.post({ type: 'stage', run, stage, waiting: false });
  }

  /** The page's "next stage". */
  next(): void {
    this.release();
  }

  /** Lets a waiting stage go (next, mode off, stop). */
  release(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
