/**
 * The page's side of counterfactual replay: the request in flight and its answer (its own small
 * store, so the lab store's slices stay as they are). Sent through the worker client only.
 */
import { create } from 'zustand';
import type { CounterfactualRequest, CounterfactualResult } from '../contract/counterfactual';
import type { WorkerEvent } from '../session/protocol';

export interface CounterfactualState {
  /** The id of the request in flight (null when none). */
  pending: number | null;
  request: CounterfactualRequest | null;
  result: CounterfactualResult | null;
  error: string | null;
}

export const useCounterfactual = create<CounterfactualState>(() => ({
  pending: null,
  request: null,
  result: null,
  error: null,
}));

/** Marks request `id` as sent. */
export function counterfactualSent(id: number, request: CounterfactualRequest): void {
  useCounterfactual.setState({ pending: id, request, error: null });
}

/** Applies the worker's answer (stale answers, of an older request, are ignored). */
export function applyCounterfactualEvent(
  e: Extract<WorkerEvent, { type: 'counterfactual' }>,
): void {
  if (e.id !== useCounterfactual.getState().pending) return;
  useCounterfactual.setState({
    pending: null,
    result: e.result ?? null,
    error: e.error ?? null,
  });
}
