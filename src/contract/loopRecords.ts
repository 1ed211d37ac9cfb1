import type { TokenExplain, TrajectoryExplain } from './explainer';
import type { StepMetrics } from './metrics';
import type { Behavior } from './teacher';

/** Which piece of a response a token belongs to (guided responses are labelled by part). */
export type TokenPart = 'student' | 'separator' | 'reason' | 'phrase' | 'eos';

/** One response token as the inspector shows it. */
export interface TokenRecord {
  id: number;
  text: string;
  part: TokenPart;
  /** log pi_theta at the update that used this token. */
  logprob: number;
  /** log pi_old (the student before this step's updates). */
  oldLogprob: number;
  /** r = exp(logprob - oldLogprob). */
  ratio: number;
  advantage: number;
  entropy: number;
  clippedLow: boolean;
  clippedHigh: boolean;
  offPolicy: boolean;
  /** Dropped from the loss (low-confidence negative teacher token). */
  masked: boolean;
  /** Shaping weight w with dL/dlogp = -A w (see rl/losses.ts). */
  weight: number;
  /** The formula explainer's numbers (absent in runs saved before it existed). */
  explain?: TokenExplain;
}

export interface Trajectory {
  /** The RL step, from 1: the same number as its metrics.jsonl row and the page's counter. */
  step: number;
  /** Question index within the step. */
  group: number;
  /** Rollout index within the group. */
  index: number;
  itemId: string;
  question: string;
  answer: string;
  response: string;
  reward: number;
  rewardComponents: Record<string, number>;
  advantage: number;
  correct: boolean;
  /** Ended with EOS. */
  finished: boolean;
  /** Hit maxNewTokens without EOS. */
  truncated: boolean;
  guided: boolean;
  /** Guided only: the reward and EOS of the student's own response, before the guidance. */
  ownReward?: number;
  ownFinished?: boolean;
  /** The group's rewards were all equal (zero advantage). */
  zeroSpread: boolean;
  guidance?: { opinion: string; reason: string; phrase: string; behavior?: Behavior };
  /** Group rewards and loss settings behind this trajectory's numbers (formula explainer). */
  explain?: TrajectoryExplain;
  tokens: TokenRecord[];
}

export interface StepResult {
  metrics: StepMetrics;
  trajectories: Trajectory[];
  /** Teacher failures of this step, by kind. */
  teacherFailures: Record<string, number>;
  /** Messages worth showing (teacher failures, skipped updates). */
  notes: string[];
  /** Set when the run should pause: rl.maxNonFiniteSteps non-finite steps in a row. */
  halt?: RunHalt;
}

/** Why a run should pause by itself, with the message to show. */
export interface RunHalt {
  reason: 'non-finite';
  /** The step (1-based) that reached the limit. */
  step: number;
  /** The step whose weights the model now holds (the last step that was finite). */
  lastGoodStep: number;
  message: string;
}
