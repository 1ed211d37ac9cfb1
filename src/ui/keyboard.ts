/**
 * The page's keyboard shortcuts (listed in the run controls' help):
 *
 *   Space   pause / resume the run        S   step once
 *   in the trajectory inspector (focus inside it):
 *   ← →     previous / next rollout       ↑ ↓   previous / next kept step
 *   Enter   into a rollout's tokens (← → move token by token), Escape back out
 *
 * Global keys act only when the focus is not in something that takes the key itself (a field,
 * a list, a button, a link): Space on a button still presses that button. Pure functions here;
 * the components attach them.
 */
import { useEffect } from 'react';
import { stepRun, togglePause } from '../state/actions';

export type GlobalAction = 'toggle-pause' | 'step';

/** What a key pressed on the page's body does, or null. */
export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  repeat?: boolean;
}

/** Elements that handle Space or letters themselves. */
const TAKES_KEYS =
  'input, textarea, select, button, a[href], summary, [contenteditable], [role="button"]';

/** True when the focused element takes the key (the shortcut then does nothing). */
export function focusTakesKeys(target: EventTarget | null): boolean {
  const el = target as Element | null;
  return typeof el?.closest === 'function' && el.closest(TAKES_KEYS) !== null;
}

export function globalShortcut(e: KeyLike, targetTakesKeys: boolean): GlobalAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey || targetTakesKeys) return null;
  if (e.key === ' ' || e.key === 'Spacebar') return e.repeat ? null : 'toggle-pause';
  if (e.key === 's' || e.key === 'S') return e.repeat ? null : 'step';
  return null;
}

export type InspectorAction =
  | 'prev-rollout'
  | 'next-rollout'
  | 'prev-step'
  | 'next-step'
  | 'enter-tokens'
  | 'prev-token'
  | 'next-token'
  | 'leave-tokens';

/** What a key does inside the inspector: on a rollout, or (inTokens) on one of its tokens. */
export function inspectorShortcut(e: KeyLike, inTokens: boolean): InspectorAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (inTokens) {
    if (e.key === 'ArrowLeft') return 'prev-token';
    if (e.key === 'ArrowRight') return 'next-token';
    if (e.key === 'Escape') return 'leave-tokens';
    return null;
  }
  switch (e.key) {
    case 'ArrowLeft':
      return 'prev-rollout';
    case 'ArrowRight':
      return 'next-rollout';
    case 'ArrowUp':
      return 'prev-step';
    case 'ArrowDown':
      return 'next-step';
    case 'Enter':
      return 'enter-tokens';
    default:
      return null;
  }
}

/** The step `delta` places from `current` among the kept steps (null: no move). */
export function neighbourStep(
  kept: readonly number[],
  current: number | null,
  delta: -1 | 1,
): number | null {
  if (kept.length === 0) return null;
  const at = current === null ? kept.length - 1 : kept.indexOf(current);
  const next = (at < 0 ? kept.length - 1 : at) + delta;
  return next >= 0 && next < kept.length ? kept[next] : null;
}

/** Space and S on the page (see the top of this file). */
export function useGlobalShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = globalShortcut(e, focusTakesKeys(e.target));
      if (!action) return;
      e.preventDefault(); // Space would scroll the page
      if (action === 'toggle-pause') togglePause();
      else stepRun();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
