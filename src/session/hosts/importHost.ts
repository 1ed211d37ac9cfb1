/**
 * Big runs from other trainers opened read-only (verl dumps, TRL completions, the lab's
 * trajectories.jsonl): the worker streams the picked files into an index and keeps it; the page
 * gets the index without its per-rollout columns and asks for one group's texts at a time.
 */
import { blobSource } from '../../engine/import/memorySource';
import { openRun, readGroup } from '../../engine/import/openRun';
import type { ImportedRun } from '../../contract/importedRun';
import type { OpenedRunIndex } from '../protocol';
import type { CommandOf, SessionContext } from './context';

interface ChromiumMemory {
  memory?: { usedJSHeapSize: number };
}

/** Used JS heap after a GC where it may be triggered (tests), else as reported; null: unknown. */
function heapUsed(): number | null {
  (globalThis as { gc?: () => void }).gc?.();
  return (performance as unknown as ChromiumMemory).memory?.usedJSHeapSize ?? null;
}

/** The page's part of an opened run. */
function indexOf(run: ImportedRun): OpenedRunIndex {
  return {
    format: run.format,
    name: run.name,
    facts: run.facts,
    steps: run.steps,
    groups: run.groups,
    componentNames: run.componentNames,
    problems: run.problems,
    problemCount: run.problemCount,
    duplicates: run.duplicates,
    bytes: run.bytes,
    rollouts: run.order.length,
    fileCount: run.files.length,
  };
}

export class ImportHost {
  /** The opened runs by the page's id. */
  private readonly opened = new Map<string, ImportedRun>();

  constructor(private readonly ctx: SessionContext) {}

  async open(cmd: CommandOf<'open-imported'>): Promise<void> {
    const { id, name } = cmd;
    const { post } = this.ctx.host;
    const heap0 = heapUsed();
    const t0 = performance.now();
    const sources = cmd.files.map((f) => blobSource(f.name, f.file));
    const run = await openRun(name, sources, (progress) =>
      post({ type: 'imported-progress', id, progress }),
    );
    const loadMs = performance.now() - t0;
    const heap1 = heapUsed();
    const heapMb = heap0 !== null && heap1 !== null ? (heap1 - heap0) / 2 ** 20 : null;
    this.opened.set(cmd.openedId, run);
    post({ type: 'imported-opened', id, run: indexOf(run), loadMs, heapMb });
  }

  async readGroup(cmd: CommandOf<'read-imported-group'>): Promise<void> {
    const run = this.opened.get(cmd.openedId);
    if (!run)
      throw new Error(
        'This opened run is no longer held by the worker (it was restarted): close it and open the folder again.',
      );
    if (!run.groups[cmd.group])
      throw new Error(`The run has ${run.groups.length} groups; there is no group ${cmd.group}.`);
    const rollouts = await readGroup(run, cmd.group);
    this.ctx.host.post({ type: 'imported-group', id: cmd.id, rollouts });
  }

  close(cmd: CommandOf<'close-imported'>): void {
    this.opened.delete(cmd.openedId);
  }
}
