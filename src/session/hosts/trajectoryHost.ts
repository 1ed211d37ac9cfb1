/** The current run's kept trajectories: one step for the inspector, steps as JSONL files. */
import type { TrajectoryStore } from '../trajectoryStore';
import type { CommandOf, SessionContext } from './context';

export class TrajectoryHost {
  constructor(
    private readonly ctx: SessionContext,
    private readonly store: TrajectoryStore,
    /** The current run's number (file names and events name it). */
    private readonly run: () => number,
  ) {}

  inspect(cmd: CommandOf<'inspect'>): void {
    const trajectories = this.store.get(cmd.step);
    if (!trajectories) throw new Error(this.missingStep(cmd.step));
    const { id, step } = cmd;
    this.ctx.host.post({ type: 'trajectories', id, run: this.run(), step, trajectories });
  }

  export(cmd: CommandOf<'export'>): void {
    const which = cmd.step;
    const steps = which === 'all' ? this.store.steps() : [which];
    if (steps.length === 0) throw new Error('No trajectories to export yet: run a step first.');
    if (which !== 'all' && !this.store.get(which)) throw new Error(this.missingStep(which));
    const run = this.run();
    const filename =
      which === 'all'
        ? `trajectories-run${run}-steps${steps[0]}-${steps[steps.length - 1]}.jsonl`
        : `trajectories-run${run}-step${which}.jsonl`;
    const jsonl = this.store.toJsonl(steps);
    this.ctx.host.post({ type: 'exported', id: cmd.id, filename, jsonl, steps });
  }

  private missingStep(step: number): string {
    const kept = this.store.steps();
    return kept.length === 0
      ? `No trajectories are kept yet (step ${step} asked for).`
      : `Step ${step} is not kept: the worker keeps steps ${kept[0]}–${kept[kept.length - 1]} within its memory budget.`;
  }
}
