/**
 * Opens a big run read-only: detects the format from the file names, streams every file into one
 * index (bad lines are listed by file and line, the rest loads) and reads single rollouts back
 * for display.
 */
import { readLabFile, LAB_FACTS, LAB_FILE } from './labTrajectories';
import { parseJsonObject } from './jsonlLines';
import { RolloutIndexBuilder } from './rolloutIndex';
import { readTrlFiles, TRL_FACTS, TRL_FILE } from './trlCompletions';
import type {
  ImportedRun,
  ImportFormat,
  ImportSource,
  RolloutDetail,
} from '../../contract/importedRun';
import { readVerlFile, verlDetail, verlFacts, VERL_FILE } from './verlDump';
import type { Trajectory } from '../../contract/loopRecords';

const base = (name: string) =>
  name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
const stepOf = (re: RegExp, name: string) => Number(re.exec(base(name))![1]);

/** The files of one format, in reading order, or an error naming what was expected. */
export function detectFormat(
  sources: readonly ImportSource[],
): { format: ImportFormat; files: ImportSource[] } | { error: string } {
  const of = (re: RegExp) => sources.filter((s) => re.test(base(s.name)));
  const trl = of(TRL_FILE);
  const lab = of(LAB_FILE);
  const verl = of(VERL_FILE);
  if (trl.length)
    return {
      format: 'trl',
      files: trl.sort((a, b) => stepOf(TRL_FILE, a.name) - stepOf(TRL_FILE, b.name)),
    };
  if (lab.length) return { format: 'lab', files: lab };
  if (verl.length)
    return {
      format: 'verl',
      files: verl.sort((a, b) => stepOf(VERL_FILE, a.name) - stepOf(VERL_FILE, b.name)),
    };
  const seen = sources.slice(0, 5).map((s) => base(s.name));
  return {
    error:
      `No run found in ${sources.length} file${sources.length === 1 ? '' : 's'}${seen.length ? ` (${seen.join(', ')}${sources.length > 5 ? ', …' : ''})` : ''}. ` +
      'Open a verl rollout folder (trainer.rollout_data_dir: <step>.jsonl files), a TRL completions folder ' +
      '(completions/completions_<step>.parquet) or a lab run folder (trajectories.jsonl).',
  };
}

import type { ImportProgress } from '../../contract/importedRun';
export type { ImportProgress };

/** Reads every file of the run into an index. */
export async function openRun(
  name: string,
  sources: readonly ImportSource[],
  onProgress?: (p: ImportProgress) => void,
): Promise<ImportedRun> {
  const found = detectFormat(sources);
  if ('error' in found) throw new Error(found.error);
  const { format, files } = found;
  const index = new RolloutIndexBuilder();
  const report = (i: number) =>
    onProgress?.({
      file: files[Math.min(i, files.length - 1)].name,
      filesDone: i,
      files: files.length,
      rollouts: index.size,
    });
  if (format === 'trl') {
    report(0);
    await readTrlFiles(files, index);
    report(files.length);
    return index.finish(format, name, files, TRL_FACTS);
  }
  let hasGts = false;
  for (let i = 0; i < files.length; i++) {
    report(i);
    if (format === 'lab') await readLabFile(files[i], i, index);
    else hasGts = (await readVerlFile(files[i], i, index)) || hasGts;
  }
  report(files.length);
  return index.finish(format, name, files, format === 'lab' ? LAB_FACTS : verlFacts(hasGts));
}

/** One rollout's full record, read back from its file when needed. */
export async function readRollout(run: ImportedRun, rollout: number): Promise<RolloutDetail> {
  const components: Record<string, number> = {};
  run.componentNames.forEach((n, k) => {
    const v = run.components[k][rollout];
    if (!Number.isNaN(v)) components[n] = v;
  });
  const common = {
    rollout,
    reward: run.reward[rollout],
    advantage: run.advantage[rollout],
    components,
  };
  const ref = run.refs[rollout];
  if (ref.kind === 'inline') return { ...common, completion: ref.completion, extra: ref.extra };
  const file = run.files[ref.file];
  const text = new TextDecoder().decode(await file.read(ref.start, ref.end));
  const o = parseJsonObject(text);
  if (typeof o === 'string')
    throw new Error(
      `${file.name}: the line at byte ${ref.start} changed since it was opened (${o}).`,
    );
  if (run.format === 'lab') {
    const t = o as unknown as Trajectory;
    return { ...common, completion: t.response, extra: {}, trajectory: t };
  }
  return { ...common, ...verlDetail(o) };
}

/** The rollouts of one group, in file order. */
export function readGroup(run: ImportedRun, group: number): Promise<RolloutDetail[]> {
  const g = run.groups[group];
  return Promise.all(
    Array.from(run.order.subarray(g.start, g.start + g.count), (r) => readRollout(run, r)),
  );
}
