import { describe, expect, it } from 'vitest';
import { globalShortcut, inspectorShortcut, neighbourStep } from './keyboard';

describe('keyboard shortcuts', () => {
  it('Space pauses or resumes and S steps, unless the focus takes the key', () => {
    expect(globalShortcut({ key: ' ' }, false)).toBe('toggle-pause');
    expect(globalShortcut({ key: 's' }, false)).toBe('step');
    expect(globalShortcut({ key: ' ' }, true)).toBeNull(); // Space on a button presses it
    expect(globalShortcut({ key: 's', ctrlKey: true }, false)).toBeNull();
    expect(globalShortcut({ key: ' ', repeat: true }, false)).toBeNull();
  });

  it('arrows move between rollouts and steps; Enter goes into the tokens, Escape out', () => {
    expect(inspectorShortcut({ key: 'ArrowRight' }, false)).toBe('next-rollout');
    expect(inspectorShortcut({ key: 'ArrowUp' }, false)).toBe('prev-step');
    expect(inspectorShortcut({ key: 'Enter' }, false)).toBe('enter-tokens');
    expect(inspectorShortcut({ key: 'ArrowRight' }, true)).toBe('next-token');
    expect(inspectorShortcut({ key: 'Escape' }, true)).toBe('leave-tokens');
    expect(inspectorShortcut({ key: 'ArrowDown' }, true)).toBeNull();
  });

  it('steps move among the kept ones; "latest" counts as the last', () => {
    const kept = [3, 4, 5];
    expect(neighbourStep(kept, null, -1)).toBe(4);
    expect(neighbourStep(kept, null, 1)).toBeNull();
    expect(neighbourStep(kept, 3, -1)).toBeNull();
    expect(neighbourStep(kept, 4, 1)).toBe(5);
    expect(neighbourStep([], null, 1)).toBeNull();
  });
});
