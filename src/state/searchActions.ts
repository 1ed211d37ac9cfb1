/**
 * Rollout search actions: send a search to the worker, choose what it searches, and open a hit
 * in the inspector. The search state itself is searchStore.ts.
 */
import {
  EMPTY_QUERY,
  type RolloutHit,
  type RolloutQuery,
  type RolloutSource,
} from '../contract/rolloutSearch';
import { useLab } from './labStore';
import { useSearch } from './searchStore';
import { currentWorkerClient } from './workerClient';

/** The source a search uses: the chosen one, else the live run, else the newest saved run. */
export function effectiveSource(
  chosen: RolloutSource | null,
  s: { run: number | null; libraryRuns: ReadonlyArray<{ id: string }> },
): RolloutSource | null {
  if (chosen) return chosen;
  if (s.run !== null) return { kind: 'live' };
  const newest = s.libraryRuns[0];
  return newest ? { kind: 'saved', runId: newest.id } : null;
}

/** Sends the current query, or the question history shown (answered by rollout-results). */
export function runSearch(): void {
  const { query: form, source, historyItem } = useSearch.getState();
  const query = historyItem ? historyQuery(historyItem) : form;
  const src = effectiveSource(source, useLab.getState());
  const client = currentWorkerClient();
  if (!src || !client) return;
  const id = client.send({ type: 'search-rollouts', source: src, query });
  useSearch.setState({ pending: id });
}

export function setSearchQuery(patch: Partial<RolloutQuery>): void {
  useSearch.setState((s) => ({ query: { ...s.query, ...patch }, historyItem: null }));
}

export function setSearchSource(source: RolloutSource | null): void {
  useSearch.setState({ source });
}

/** Every kept rollout of one question (its history across steps). */
const historyQuery = (itemId: string): RolloutQuery => ({ ...EMPTY_QUERY, itemId, limit: 1000 });

/** One question's rollouts across the kept steps, side by side (null: back to the results). */
export function showQuestionHistory(itemId: string | null): void {
  useSearch.setState({ historyItem: itemId });
  runSearch();
}

/**
 * Opens a hit (or any step of a source) in the inspector: a live run's kept step through
 * `inspect`, a saved run's through `inspect-saved`.
 */
export function openInInspector(
  source: RolloutSource,
  hit: Pick<RolloutHit, 'step' | 'group'>,
): void {
  useLab.setState({ inspectStep: hit.step, inspectGroup: hit.group, inspectGroupPinned: true });
  const client = currentWorkerClient();
  if (source.kind === 'live') client?.inspect(hit.step);
  else client?.send({ type: 'inspect-saved', runId: source.runId, step: hit.step });
  document.getElementById('inspector')?.scrollIntoView({ block: 'start' });
}
