/**
 * Step-through mode on the page: whether it is on, and the stages of the step in progress (the
 * worker waits after each until `stage-next`). The actions are in stageActions.ts.
 */
import { create } from 'zustand';
import type { StageSummary } from '../contract/stages';
import type { WorkerEvent } from '../session/protocol';

interface StageState {
  on: boolean;
  /** The stages of the current step so far (the last is shown). */
  stages: StageSummary[];
  /** The worker waits for "next stage". */
  waiting: boolean;
}

export const useStages = create<StageState>(() => ({ on: false, stages: [], waiting: false }));

/** Applies a `stage` event of run `currentRun` (the page's run; events of other runs are dropped). */
export function applyStageEvent(
  e: Extract<WorkerEvent, { type: 'stage' }>,
  currentRun: number | null,
): void {
  if (e.run !== currentRun) return;
  useStages.setState((s) => {
    const sameStep = s.stages.length > 0 && s.stages[0].step === e.stage.step;
    const kept = sameStep ? s.stages.filter((x) => x.index !== e.stage.index) : [];
    return { stages: [...kept, e.stage].sort((a, b) => a.index - b.index), waiting: e.waiting };
  });
}
