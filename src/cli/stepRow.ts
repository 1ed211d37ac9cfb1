import type { StepResult } from '../contract/loopRecords';
import type { RunFolderWriter } from './runFolder';

/** A figure of a CLI log line: `d` decimals, "-" when absent. */
export const fmt = (x: number | undefined, d = 3): string => (x === undefined ? '-' : x.toFixed(d));

/**
 * One RL step of a CLI run: its metrics.jsonl row, its trajectories.jsonl rows and its log
 * line (`train` from scratch, from a checkpoint and on a pretrained student alike).
 */
export async function writeStepRow(
  folder: RunFolderWriter,
  r: StepResult,
  totalSteps: number,
  log: (s: string) => void,
): Promise<void> {
  const m = r.metrics;
  await folder.append('metrics.jsonl', [m]);
  await folder.append('trajectories.jsonl', r.trajectories);
  log(
    `step ${m.step}/${totalSteps} reward ${fmt(m.reward)} acc ${fmt(m.accuracy, 2)} guided ${m['thinktuning/guided_count']} ` +
      `catchphrase ${fmt(m['behavior/catchphrase_rate_unguided'], 2)} clip ${fmt(m['clip_ratio/region_mean'])} ` +
      `len ${fmt(m['completions/mean_length'], 0)} loss ${fmt(m.loss, 4)} ${fmt(m.step_time, 1)}s` +
      (r.notes.length ? ` | ${r.notes.length} note(s): ${r.notes[0]}` : ''),
  );
}
