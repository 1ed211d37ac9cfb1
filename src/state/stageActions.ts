/**
 * Step-through actions: turn the mode on or off, run one step stage by stage, ask for the next
 * stage. The state is stageStore.ts.
 */
import { resumeSavedRun, runActive, stepRun } from './actions';
import { useLab } from './labStore';
import { resumableRun } from './savedRunView';
import { useStages } from './stageStore';
import { currentWorkerClient } from './workerClient';

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
