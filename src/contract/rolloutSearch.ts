/**
 * Rollout search: the query, its hits and the pure filter over kept trajectories. The worker
 * runs it over the live run's kept steps or a saved run's (src/session/hosts/searchHost.ts); the page
 * only sends queries and shows hits. No tfjs.
 */
import type { Trajectory } from './loopRecords';

/** any, or only rollouts with (yes) / without (no) the property. */
export type Tri = 'any' | 'yes' | 'no';

export interface RolloutQuery {
  /** Case-insensitive substring of the response (or the teacher's reason / phrase). */
  text: string;
  /** Case-insensitive substring of the question, or its exact item id. */
  question: string;
  /** Only this item's rollouts (a question's history), exact; '' = any. */
  itemId: string;
  minReward: number | null;
  maxReward: number | null;
  correct: Tri;
  guided: Tri;
  truncated: Tri;
  /** Hits returned (the total counts all). */
  limit: number;
}

export const EMPTY_QUERY: RolloutQuery = {
  text: '',
  question: '',
  itemId: '',
  minReward: null,
  maxReward: null,
  correct: 'any',
  guided: 'any',
  truncated: 'any',
  limit: 200,
};

/** Where to search: the run training in the worker, or a saved run. */
export type RolloutSource = { kind: 'live' } | { kind: 'saved'; runId: string };

/** One matching rollout, small enough to list hundreds. */
export interface RolloutHit {
  step: number;
  group: number;
  index: number;
  itemId: string;
  question: string;
  answer: string;
  reward: number;
  advantage: number;
  correct: boolean;
  guided: boolean;
  truncated: boolean;
  tokens: number;
  /** The response, cut around the text match (or its start). */
  snippet: string;
}

export interface RolloutSearchResult {
  /** Matching rollouts in all searched steps (hits holds the first `limit`). */
  total: number;
  hits: RolloutHit[];
  /** Steps searched (kept steps of the source). */
  steps: number[];
}

const triOk = (want: Tri, has: boolean) => want === 'any' || (want === 'yes') === has;

/** Whether a trajectory matches every set field of the query. */
export function matchesQuery(t: Trajectory, q: RolloutQuery): boolean {
  if (!triOk(q.correct, t.correct)) return false;
  if (!triOk(q.guided, t.guided)) return false;
  if (!triOk(q.truncated, t.truncated)) return false;
  if (q.minReward !== null && !(t.reward >= q.minReward)) return false;
  if (q.maxReward !== null && !(t.reward <= q.maxReward)) return false;
  if (q.itemId && t.itemId !== q.itemId) return false;
  const question = q.question.trim().toLowerCase();
  if (question && t.itemId !== q.question.trim() && !t.question.toLowerCase().includes(question))
    return false;
  const text = q.text.trim().toLowerCase();
  if (text) {
    const hay = [t.response, t.guidance?.reason ?? '', t.guidance?.phrase ?? ''];
    if (!hay.some((h) => h.toLowerCase().includes(text))) return false;
  }
  return true;
}

const SNIPPET = 80;

/** Up to 2 × SNIPPET characters of the response around the first match of `text`. */
export function snippetOf(response: string, text: string): string {
  const at = text.trim() ? response.toLowerCase().indexOf(text.trim().toLowerCase()) : -1;
  const start = Math.max(0, at < 0 ? 0 : at - SNIPPET / 2);
  const cut = response.slice(start, start + 2 * SNIPPET);
  return `${start > 0 ? '…' : ''}${cut}${start + 2 * SNIPPET < response.length ? '…' : ''}`;
}

export function hitOf(t: Trajectory, q: RolloutQuery): RolloutHit {
  return {
    step: t.step,
    group: t.group,
    index: t.index,
    itemId: t.itemId,
    question: t.question,
    answer: t.answer,
    reward: t.reward,
    advantage: t.advantage,
    correct: t.correct,
    guided: t.guided,
    truncated: t.truncated,
    tokens: t.tokens.length,
    snippet: snippetOf(t.response, q.text),
  };
}

/** Searches steps in order (step, group, index); counts every match, returns the first `limit`. */
export function searchRollouts(
  steps: ReadonlyArray<{ step: number; trajectories: readonly Trajectory[] }>,
  q: RolloutQuery,
): RolloutSearchResult {
  const hits: RolloutHit[] = [];
  let total = 0;
  const sorted = [...steps].sort((a, b) => a.step - b.step);
  for (const s of sorted) {
    const ts = [...s.trajectories].sort((a, b) => a.group - b.group || a.index - b.index);
    for (const t of ts) {
      if (!matchesQuery(t, q)) continue;
      total++;
      if (hits.length < q.limit) hits.push(hitOf(t, q));
    }
  }
  return { total, hits, steps: sorted.map((s) => s.step) };
}

/** One question's hits as columns by step (its answers changing over the run). */
export function historyByStep(
  hits: readonly RolloutHit[],
): Array<{ step: number; hits: RolloutHit[] }> {
  const m = new Map<number, RolloutHit[]>();
  for (const h of hits) {
    if (!m.has(h.step)) m.set(h.step, []);
    m.get(h.step)!.push(h);
  }
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([step, hs]) => ({ step, hits: hs }));
}
