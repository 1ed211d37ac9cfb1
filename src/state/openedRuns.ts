/**
 * Big runs opened read-only (verl dumps, TRL completions, trajectories.jsonl): their indexes,
 * which one the inspector shows, and the load in progress. The worker streams the picked files
 * into an index and keeps it (protocol: open-imported); the page holds what it shows and asks
 * for one group's texts at a time. Opened runs live for the page's session: the files are the
 * storage.
 */
import { create } from 'zustand';
import type { ImportProgress, RolloutDetail } from '../contract/importedRun';
import type { OpenedRunIndex } from '../session/protocol';
import { currentWorkerClient, type WorkerClient } from './workerClient';

export interface OpenedRun {
  id: string;
  run: OpenedRunIndex;
  /** Wall time to stream and index every file. */
  loadMs: number;
  /** JS heap the index holds after a GC, where the browser reports it (Chromium). */
  heapMb: number | null;
}

interface OpenedRunsState {
  runs: OpenedRun[];
  /** The run the imported-run inspector shows. */
  active: string | null;
  loading: (ImportProgress & { name: string }) | null;
  error: string | null;
}

export const useOpenedRuns = create<OpenedRunsState>(() => ({
  runs: [],
  active: null,
  loading: null,
  error: null,
}));

/** A folder's name from the picked files' relative paths (else the first file's name). */
export function folderName(files: readonly File[]): string {
  const rel = (files[0] as File & { webkitRelativePath?: string })?.webkitRelativePath ?? '';
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : (files[0]?.name ?? 'run');
}

/** The worker that reads opened runs, or the error that it has not started. */
function worker(): WorkerClient {
  const client = currentWorkerClient();
  if (!client)
    throw new Error('the trainer worker has not started yet: wait for the page to load.');
  return client;
}

let nextId = 1;

/** Opens the picked files as one read-only run; problems are listed with the run. */
export async function openRunFiles(
  files: readonly File[],
  name = folderName(files),
): Promise<void> {
  if (useOpenedRuns.getState().loading) return;
  useOpenedRuns.setState({
    loading: { name, file: '', filesDone: 0, files: files.length, rollouts: 0 },
    error: null,
  });
  try {
    const id = `opened-${nextId++}`;
    const picked = files.map((f) => ({
      name: (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name,
      file: f as Blob,
    }));
    const reply = await worker().request(
      { type: 'open-imported', openedId: id, name, files: picked },
      'imported-opened',
      {
        onEvent: (e) => {
          if (e.type === 'imported-progress')
            useOpenedRuns.setState({ loading: { ...e.progress, name } });
        },
      },
    );
    const opened: OpenedRun = { id, run: reply.run, loadMs: reply.loadMs, heapMb: reply.heapMb };
    useOpenedRuns.setState((s) => ({
      runs: [...s.runs, opened],
      active: opened.id,
      loading: null,
    }));
  } catch (e) {
    useOpenedRuns.setState({ loading: null, error: `${name}: ${(e as Error).message}` });
  }
}

/** One group's rollouts of an opened run, read back from its files by the worker. */
export async function readOpenedGroup(id: string, group: number): Promise<RolloutDetail[]> {
  const command = { type: 'read-imported-group', openedId: id, group } as const;
  const reply = await worker().request(command, 'imported-group');
  return reply.rollouts;
}

export function inspectOpenedRun(id: string | null): void {
  useOpenedRuns.setState({ active: id });
}

export function closeOpenedRun(id: string): void {
  currentWorkerClient()?.send({ type: 'close-imported', openedId: id });
  useOpenedRuns.setState((s) => ({
    runs: s.runs.filter((r) => r.id !== id),
    active: s.active === id ? null : s.active,
  }));
}
