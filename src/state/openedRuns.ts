/**
 * Big runs opened read-only in the page (verl dumps, TRL completions, trajectories.jsonl): their
 * indexes, which one the inspector shows, and the load in progress. Parsing runs on the page's
 * thread in streamed chunks with pure modules (no tfjs); texts stay in the files until shown.
 * Opened runs live for the page's session: the files are the storage.
 */
import { create } from 'zustand';
import { blobSource } from '../engine/import/memorySource';
import { openRun, type ImportProgress } from '../engine/import/openRun';
import type { ImportedRun } from '../contract/importedRun';

export interface OpenedRun {
  id: string;
  run: ImportedRun;
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

interface ChromiumMemory {
  memory?: { usedJSHeapSize: number };
}

/** Used JS heap after a GC when the page may trigger one (tests), else as reported. */
function heapUsed(): number | null {
  (globalThis as { gc?: () => void }).gc?.();
  return (performance as unknown as ChromiumMemory).memory?.usedJSHeapSize ?? null;
}

/** A folder's name from the picked files' relative paths (else the first file's name). */
export function folderName(files: readonly File[]): string {
  const rel = (files[0] as File & { webkitRelativePath?: string })?.webkitRelativePath ?? '';
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : (files[0]?.name ?? 'run');
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
  const heap0 = heapUsed();
  const t0 = performance.now();
  try {
    const sources = files.map((f) =>
      blobSource((f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, f),
    );
    const run = await openRun(name, sources, (p) =>
      useOpenedRuns.setState({ loading: { ...p, name } }),
    );
    const loadMs = performance.now() - t0;
    const heap1 = heapUsed();
    const opened: OpenedRun = {
      id: `opened-${nextId++}`,
      run,
      loadMs,
      heapMb: heap0 !== null && heap1 !== null ? (heap1 - heap0) / 2 ** 20 : null,
    };
    useOpenedRuns.setState((s) => ({
      runs: [...s.runs, opened],
      active: opened.id,
      loading: null,
    }));
  } catch (e) {
    useOpenedRuns.setState({ loading: null, error: `${name}: ${(e as Error).message}` });
  }
}

export function inspectOpenedRun(id: string | null): void {
  useOpenedRuns.setState({ active: id });
}

export function closeOpenedRun(id: string): void {
  useOpenedRuns.setState((s) => ({
    runs: s.runs.filter((r) => r.id !== id),
    active: s.active === id ? null : s.active,
  }));
}
