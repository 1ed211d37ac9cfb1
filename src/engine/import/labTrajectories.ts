/**
 * The lab's own trajectories.jsonl (CLI `train --out`, run bundles, inspector exports): one
 * rollout per line with every per-token value. Indexed like the others; the full record, tokens
 * included, is read back from the file when a group is shown.
 */
import { checkTrajectory } from '../../contract/runBundleFormat';
import { jsonlLines, parseJsonObject } from './jsonlLines';
import type { RolloutIndexBuilder } from './rolloutIndex';
import type { FormatFacts, ImportSource } from '../../contract/importedRun';

export const LAB_FILE = /^trajectories\.jsonl$/;

export const LAB_FACTS: FormatFacts = {
  text: true,
  reward: true,
  advantage: true,
  groundTruth: true,
  perToken: true,
  absent: [],
};

/** Streams one trajectories.jsonl into the index. */
export async function readLabFile(
  source: ImportSource,
  fileIndex: number,
  index: RolloutIndexBuilder,
): Promise<void> {
  for await (const l of jsonlLines(source.stream())) {
    if (!l.text.trim()) continue;
    const o = parseJsonObject(l.text);
    if (typeof o === 'string') {
      const torn = l.unterminated ? ' — the last line has no newline: a torn write?' : '';
      index.problem({ file: source.name, line: l.line, message: o + torn });
      continue;
    }
    let t;
    try {
      t = checkTrajectory(o, `${source.name} line ${l.line}`);
    } catch (e) {
      const message = (e as Error).message.replace(`${source.name} line ${l.line}: `, '');
      index.problem({ file: source.name, line: l.line, message });
      continue;
    }
    const reward = typeof t.reward === 'number' ? t.reward : Number.NaN;
    const advantage = typeof t.advantage === 'number' ? t.advantage : Number.NaN;
    index.add({
      step: t.step,
      prompt: t.question,
      groundTruth: typeof t.answer === 'string' ? t.answer : null,
      reward,
      advantage,
      components:
        typeof t.rewardComponents === 'object' && t.rewardComponents ? t.rewardComponents : {},
      groupKey: `g${t.group}`,
      ref: { kind: 'line', file: fileIndex, start: l.start, end: l.end },
    });
  }
}
