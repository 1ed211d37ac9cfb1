/**
 * The worker's side of counterfactual replay (contract/counterfactual.ts): it keeps the student's
 * weights from before each of the last few RL steps (copies in tensor memory, within a budget),
 * and answers `counterfactual` commands by replaying one group of a kept step with them
 * (engine/loop/counterfactual.ts) on a throw-away copy of the student, so the run is untouched.
 * Weights are kept in memory, not recomputed from checkpoints: a step older than the kept ones,
 * or a saved run opened after a reload, is answered with a message saying so.
 */
import * as tf from '@tensorflow/tfjs';
import type { CounterfactualRequest } from '../../contract/counterfactual';
import type { RunConfig } from '../../contract/config';
import { replayGroup } from '../../engine/loop/counterfactual';
import type { CausalLM } from '../../engine/model/causalLM';
import type { Tokenizer } from '../../engine/tokenizer';
import type { WorkerEvent } from '../protocol';
import type { TrajectoryStore } from '../trajectoryStore';

/** Default memory for kept weights (the tiny and small presets fit dozens of steps). */
export const COUNTERFACTUAL_BUDGET_BYTES = 64 * 1024 * 1024;
/** At most this many steps' weights are kept ("the last few steps"). */
export const COUNTERFACTUAL_MAX_STEPS = 4;

/** What a replay needs from the session at the time of the command. */
export interface CounterfactualContext {
  post(e: WorkerEvent): void;
  store: TrajectoryStore;
  /** The run whose steps are kept (its config), or undefined when none ran in this worker. */
  config: RunConfig | undefined;
  model: CausalLM | null;
  tokenizer: Tokenizer | null;
}

export class CounterfactualHost {
  private run: number | null = null;
  private readonly kept = new Map<number, { weights: tf.Tensor[]; bytes: number }>();
  private total = 0;

  constructor(
    /** The session's state at the time of a command. */
    private readonly context: () => CounterfactualContext,
    readonly budgetBytes = COUNTERFACTUAL_BUDGET_BYTES,
    readonly maxSteps = COUNTERFACTUAL_MAX_STEPS,
  ) {}

  /** Called just before RL step `step` (1-based) of run `run`: keeps the weights it starts from. */
  snapshot(run: number, step: number, model: CausalLM): void {
    if (run !== this.run) {
      this.clear();
      this.run = run;
    }
    const vars = model.variables();
    const bytes = vars.reduce((s, v) => s + 4 * v.size, 0); // float32
    if (bytes > this.budgetBytes) return; // one step would not fit: replay is unavailable
    this.drop(step);
    // tf.clone shares the buffer; the optimizer's assign() gives the variable a new one
    this.kept.set(step, { weights: vars.map((v) => tf.clone(v)), bytes });
    this.total += bytes;
    for (const s of this.steps()) {
      if (this.total <= this.budgetBytes && this.kept.size <= this.maxSteps) break;
      this.drop(s);
    }
  }

  steps(): number[] {
    return [...this.kept.keys()].sort((a, b) => a - b);
  }

  /** Replays one group; always answers with a `counterfactual` event (result or error). */
  async replay(id: number, req: CounterfactualRequest): Promise<void> {
    const ctx = this.context();
    try {
      const result = await this.compute(req, ctx);
      ctx.post({ type: 'counterfactual', id, result });
    } catch (e) {
      ctx.post({ type: 'counterfactual', id, error: (e as Error).message });
    }
  }

  private async compute(req: CounterfactualRequest, ctx: CounterfactualContext) {
    const step = ctx.store.get(req.step);
    if (!step || !ctx.config || !ctx.model || !ctx.tokenizer)
      throw new Error(
        `Step ${req.step}'s trajectories are not in this worker: counterfactual replay works on the steps of the run trained since the page loaded.`,
      );
    const kept = this.kept.get(req.step);
    if (!kept) {
      const have = this.steps();
      throw new Error(
        have.length
          ? `Step ${req.step}'s pre-update weights are no longer kept (the worker keeps the last ${this.maxSteps} steps within ${(this.budgetBytes / 2 ** 20).toFixed(0)} MiB: steps ${have[0]}–${have[have.length - 1]}). Pick one of those steps.`
          : `No pre-update weights are kept: counterfactual replay needs a run trained in this page since it loaded (a saved run opened after a reload has no kept weights; resume it and replay a new step).`,
      );
    }
    const model = ctx.model.clone(); // the run's student is never touched
    try {
      const vars = model.variables();
      if (vars.length !== kept.weights.length)
        throw new Error('The student changed shape since that step: replay a step of this run.');
      vars.forEach((v, i) => v.assign(kept.weights[i]));
      const r = await replayGroup({
        model,
        tokenizer: ctx.tokenizer,
        config: ctx.config,
        step,
        req,
      });
      return {
        step: req.step,
        group: req.group,
        ...r,
        weights: 'kept-in-memory' as const,
        keptSteps: this.steps(),
        keptBytes: this.total,
        budgetBytes: this.budgetBytes,
      };
    } finally {
      model.dispose();
    }
  }

  clear(): void {
    for (const s of this.steps()) this.drop(s);
  }

  private drop(step: number): void {
    const k = this.kept.get(step);
    if (!k) return;
    tf.dispose(k.weights);
    this.total -= k.bytes;
    this.kept.delete(step);
  }
}
