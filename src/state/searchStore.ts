/**
 * Rollout search on the page: the query, where it searches and the worker's answer. The worker
 * runs the filter (session/hosts/searchHost.ts); results open in the inspector (live run or saved
 * run). The actions that send searches are in searchActions.ts (this file imports no other store,
 * so the lab store can apply the worker's answers without an import cycle).
 */
import { create } from 'zustand';
import {
  EMPTY_QUERY,
  type RolloutQuery,
  type RolloutSearchResult,
  type RolloutSource,
} from '../contract/rolloutSearch';
import type { WorkerEvent } from '../session/protocol';

export interface SearchState {
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

export function applySearchEvent(e: Extract<WorkerEvent, { type: 'rollout-results' }>): void {
  if (e.id !== useSearch.getState().pending) return;
  useSearch.setState({ result: e.result, answered: { source: e.source, query: e.query } });
}
