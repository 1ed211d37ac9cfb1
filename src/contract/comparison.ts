/** What the comparison reports while it runs and when it ends (engine/experiments/comparison.ts). */
import type { ComparisonBudget } from './budget';
import type { RunConfig } from './config';
import type { StepMetrics } from './metrics';
import type { SftStepMetrics } from './sftMetrics';
import type { Method, ResultsRow } from './resultsTable';

export interface ComparisonProgress {
  method: Method | 'warm-up';
  phase: 'train' | 'eval';
  step: number;
  total: number;
  /** Methods finished (trained and evaluated), of `methodsTotal`. */
  methodsDone: number;
  methodsTotal: number;
}

/** One arm's per-step metrics (RL's names; STaR one row per iteration; SFT its loss). */
export interface ArmHistory {
  method: Method;
  label: string;
  metrics: StepMetrics[];
}

export interface ComparisonResult {
  config: RunConfig;
  budget: ComparisonBudget;
  /** Task-source columns of the table. */
  sources: string[];
  /** One row per method run, in METHODS order. */
  rows: ResultsRow[];
  arms: ArmHistory[];
  warmup: SftStepMetrics[];
  /** True when stopped early: rows hold the methods that finished. */
  stopped: boolean;
  seconds: number;
}
