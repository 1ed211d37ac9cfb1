/**
 * Step-through mode on the page: whether it is on, and the stages of the step in progress (the
 * worker waits after each until `stage-next`).
 */
import { create } from 'zustand';
import type { StageSummary } from '../contract/stages';
import type { WorkerEvent } from '../session/protocol';
import { resumeSavedRun, runActive, stepRun } from './actions';
import { useLab } from './labStore';
import { resumableRun } from './savedRunView';
import { currentWorkerClient } from './workerClient';

interface StageState {
  on: boolean;
  /** The stages of the current step so far (the last is shown). */
  stages: StageSummary[];
  /** The worker waits for "next stage". */
  waiting: boolean;
}

export const useStages = create<StageState>(() => ({ on: false, stages: [], waiting: false }));

/** Turns step-through mode on or off (off lets a waiting step run to its end). */
export function setStageMode(on: boolean): void {
  useStages.setState({ on });
  currentWorkerClient()?.send({ type: 'stage-mode', on });
}

/**
 * Runs one step as stages: mode on, then "step once" of the paused run. With no active run it
 * continues the saved run the run controls' Resume offers (after a reload), else starts a new
 * run paused after its first step. Each stage then waits for nextStage().
 */
export function stepThrough(): void {
  if (!useStages.getState().on) setStageMode(true);
  useStages.setState({ stages: [], waiting: false });
  const s = useLab.getState();
  const saved = resumableRun(s.libraryRuns, runActive());
  if (saved) resumeSavedRun(saved.id);
  else if (!runActive() || s.progress.waiting) stepRun();
}

export function nextStage(): void {
  if (!useStages.getState().waiting) return;
  useStages.setState({ waiting: false });
  currentWorkerClient()?.send({ type: 'stage-next' });
}

export function applyStageEvent(e: Extract<WorkerEvent, { type: 'stage' }>): void {
  if (e.run !== useLab.getState().run) return;
  useStages.setState((s) => {
    const sameStep = s.stages.length > 0 && s.stages[0].step === e.stage.step;
    const kept = sameStep ? s.stages.filter((x) => x.index !== e.stage.index) : [];
    return { stages: [...kept, e.stage].sort((a, b) => a.index - b.index), waiting: e.waiting };
  });
}
