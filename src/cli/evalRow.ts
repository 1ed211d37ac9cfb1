import type { EvalResult } from '../engine/eval/evaluate';
import { evalSummary } from './commands/sft';
import type { RunFolderWriter } from './runFolder';
import { fmt } from './stepRow';

/** One eval.jsonl row (the greedy held-out evaluation at `step`) and its log line. */
export async function writeEvalRow(
  folder: RunFolderWriter,
  step: number,
  r: EvalResult,
  log: (s: string) => void,
): Promise<void> {
  const row = {
    step,
    ...evalSummary(r),
    catchphraseRate: r.greedy?.catchphraseRate ?? null,
    reflectionRate: r.greedy?.reflectionRate ?? null,
  };
  await folder.append('eval.jsonl', [row]);
  log(
    `eval at step ${step}: greedy accuracy ${fmt(r.greedyAccuracy ?? undefined, 3)} on ${r.questions} held-out questions` +
      (row.catchphraseRate === null ? '' : `, catchphrase ${fmt(row.catchphraseRate, 3)}`),
  );
}
