/**
 * Rollout search in the worker: runs the pure filter (src/contract/rolloutSearch.ts) over the
 * live run's kept steps or a saved run's, and shows a saved run's step in the inspector.
 */
import type { Trajectory } from '../../contract/loopRecords';
import { searchRollouts } from '../../contract/rolloutSearch';
import type { WorkerCommand, WorkerEvent } from '../protocol';
import type { TrajectoryStore } from '../trajectoryStore';

type SavedSteps = Array<{ step: number; trajectories: Trajectory[] }>;

export interface SearchHostDeps {
  post(e: WorkerEvent): void;
  /** The run training (or last trained) in this worker and its kept steps. */
  live(): { run: number; store: TrajectoryStore };
  /** A saved run's kept steps (the run store). */
  saved(runId: string): Promise<SavedSteps>;
}

export class SearchHost {
  /** The last saved run read, reused while the same run is searched again. */
  private cache: { runId: string; steps: SavedSteps; at: number } | null = null;

  constructor(private readonly d: SearchHostDeps) {}

  async search(cmd: Extract<WorkerCommand, { type: 'search-rollouts' }>): Promise<void> {
    const steps = await this.stepsOf(cmd.source);
    const result = searchRollouts(steps, cmd.query);
    this.d.post({
      type: 'rollout-results',
      id: cmd.id,
      source: cmd.source,
      query: cmd.query,
      result,
    });
  }

  async inspectSaved(cmd: Extract<WorkerCommand, { type: 'inspect-saved' }>): Promise<void> {
    const steps = await this.savedSteps(cmd.runId, true);
    const found = steps.find((s) => s.step === cmd.step);
    if (!found)
      throw new Error(
        `Step ${cmd.step} is not kept in this saved run (it keeps ${steps.length ? `steps ${steps[0].step}–${steps[steps.length - 1].step}` : 'no steps'}): pick a kept step.`,
      );
    const { run } = this.d.live();
    this.d.post({
      type: 'trajectories',
      id: cmd.id,
      run,
      step: cmd.step,
      trajectories: found.trajectories,
    });
  }

  private async stepsOf(
    source: Extract<WorkerCommand, { type: 'search-rollouts' }>['source'],
  ): Promise<SavedSteps> {
    if (source.kind === 'saved') return this.savedSteps(source.runId, false);
    const { store } = this.d.live();
    return store.steps().map((step) => ({ step, trajectories: store.get(step) ?? [] }));
  }

  /** Saved steps, re-read when another run is asked for or the copy is over 2 s old. */
  private async savedSteps(runId: string, fresh: boolean): Promise<SavedSteps> {
    const c = this.cache;
    if (c && c.runId === runId && (fresh ? false : Date.now() - c.at < 2000)) return c.steps;
    const steps = await this.d.saved(runId);
    this.cache = { runId, steps, at: Date.now() };
    return steps;
  }
}
