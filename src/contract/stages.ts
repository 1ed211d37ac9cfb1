/**
 * Step-through mode: one RL step as stages, each a small serialisable summary the worker posts
 * while the step waits for "next stage". Built by src/engine/loop/stages.ts from the step's own
 * data (the same step code runs: RlTrainer.runStep awaits StepOptions.onStage). No tfjs.
 */

export const STAGES = [
  'sample',
  'reward',
  'select',
  'teacher',
  'guided',
  'advantages',
  'loss',
  'update',
] as const;
export type StageName = (typeof STAGES)[number];

export const STAGE_TITLES: Record<StageName, string> = {
  sample: '1. Sample G rollouts per question',
  reward: '2. Reward each rollout',
  select: '3. Select rollouts for the teacher',
  teacher: '4. Teacher replies',
  guided: '5. Build guided trajectories',
  advantages: '6. Group advantages',
  loss: '7. Loss',
  update: '8. Update the weights',
};

export const STAGE_EXPLAIN: Record<StageName, string> = {
  sample:
    'The student answers each question G times at the sampling temperature (its own, on-policy text).',
  reward:
    'Each answer is graded: correctness plus the format and other reward terms of the config.',
  select:
    'ThinkTuning picks some rollouts (at the schedule’s rate) for the teacher; plain GRPO skips this and the next two stages.',
  teacher:
    'The teacher reads the question and the student’s answer and replies with a short reason and a reflective phrase.',
  guided:
    'The reply is appended to the student’s answer; its tokens are off-policy (written by the teacher) and the guided answer is graded again.',
  advantages:
    'A_i = (r_i − mean(r)) / (std(r) + ε) within each question’s group: above-average answers are pushed up, below-average down.',
  loss: 'Clipped PPO on the student’s tokens, the shaped off-policy term on the teacher’s tokens, aggregated over tokens; values from the step’s updates.',
  update: 'AdamW applies the gradient (clipped to the max norm) at the step’s learning rate.',
};

/** One rollout as a stage shows it (fields filled as the step gets to them). */
export interface StageRollout {
  group: number;
  index: number;
  /** The response so far (the guided one from the guided stage on), cut to 160 characters. */
  text: string;
  tokens: number;
  finished: boolean;
  reward?: number;
  correct?: boolean;
  selected?: boolean;
  /** The teacher's reply (reason + phrase) or why it failed. */
  teacher?: string;
  guided?: boolean;
  offPolicyTokens?: number;
  advantage?: number;
  /** In the loss (a zero-spread group may be skipped). */
  inLoss?: boolean;
}

export interface StageSummary {
  /** The RL step (from 1) this stage belongs to. */
  step: number;
  stage: StageName;
  /** 0-based position in STAGES. */
  index: number;
  rollouts: StageRollout[];
  /** The stage's headline numbers (means, loss terms, grad norm…). */
  numbers: Record<string, number>;
  /** Per-group numbers of the advantage stage: mean and std of the rewards. */
  groups?: Array<{ group: number; question: string; mean: number; std: number }>;
  notes: string[];
}
