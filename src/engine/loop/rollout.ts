/** One rollout of an RL step: the record the trainer fills and the metrics and records read. */
import type { RewardBreakdown } from '../tasks/rewards';
import type { TaskItem } from '../tasks/types';
import type { Guidance } from '../../contract/teacher';
import type { GuidedResponse } from './guided';

/** One rollout of the step, before and after guidance. */
export interface Rollout {
  group: number;
  index: number;
  item: TaskItem;
  question: string;
  ids: number[];
  text: string;
  finished: boolean;
  reward: RewardBreakdown;
  /** The reward of the student's own response (before any guidance). */
  ownReward: number;
  guided: GuidedResponse | null;
  guidance: Guidance | null;
  offPolicy: boolean[];
}
