/**
 * Rollout search on the page: the query, where it searches and the worker's answer. The worker
 * runs the filter (session/hosts/searchHost.ts); results open in the inspector (live run or saved run).
 */
import { create } from 'zustand';
import {
  EMPTY_QUERY,
  type RolloutHit,
  type RolloutQuery,
  type RolloutSearchResult,
  type RolloutSource,
} from '../contract/rolloutSearch';
import type { WorkerEvent } from '../session/protocol';
import { useLab } from './labStore';
import { currentWorkerClient } from './workerClient';

interface SearchState {
  query: RolloutQuery;
  /** null: the default (the live run when there is one, else the newest saved run). */
  source: RolloutSource | null;
  /** The id of the last search sent: older answers are dropped. */
  pending: number | null;
  result: RolloutSearchResult | null;
  /** The source and query the result answers. */
  answered: { source: RolloutSource; query: RolloutQuery } | null;
  /** A question's history across steps (its item id), or null. */
  historyItem: string | null;
}

export const useSearch = create<SearchState>(() => ({
  query: { ...EMPTY_QUERY },
  source: null,
  pending: null,
  result: null,
  answered: null,
  historyItem: null,
}));

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

export function applySearchEvent(e: Extract<WorkerEvent, { type: 'rollout-results' }>): void {
  if (e.id !== useSearch.getState().pending) return;
  useSearch.setState({ result: e.result, answered: { source: e.source, query: e.query } });
}
