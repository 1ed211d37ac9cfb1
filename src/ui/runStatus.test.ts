import { describe, expect, it } from 'vitest';
import type { RunProgress } from '../session/protocol';
import { stillPending } from '../state/labStore';
import { IDLE_PROGRESS } from '../state/slices';
import { runStatusView } from './runStatus';

const p = (patch: Partial<RunProgress>): RunProgress => ({ ...IDLE_PROGRESS, ...patch });
const running = p({ status: 'running', phase: 'rollout', step: 3, totalSteps: 10 });

describe('run status: controls acknowledged at once', () => {
  it('Stop pressed during a rollout says so before the worker answers', () => {
    // The worker's last progress still says running: the page answers the button itself.
    expect(runStatusView(running, 'stop')).toEqual({
      word: 'stopping',
      ack: 'stopping after this decoding step…',
    });
    expect(runStatusView(p({ status: 'stopping', phase: 'update' }), null)).toEqual({
      word: 'stopping',
      ack: 'stopping after this update…',
    });
    expect(runStatusView(p({ status: 'stopped' }), 'stop')).toEqual({ word: 'stopped', ack: null });
  });

  it('Pause pressed mid-step reads "pausing" until the run waits between steps', () => {
    expect(runStatusView(running, 'pause').word).toBe('pausing');
    // The worker has taken the pause but the step still computes.
    expect(runStatusView(p({ status: 'paused', phase: 'update' }), null)).toEqual({
      word: 'pausing',
      ack: 'pausing after this step…',
    });
    expect(runStatusView(p({ status: 'paused', phase: null, waiting: true }), null)).toEqual({
      word: 'paused',
      ack: null,
    });
    expect(runStatusView(p({ status: 'paused', phase: 'rollout' }), 'step').ack).toBe(
      'running one step, then waiting…',
    );
    expect(runStatusView(running, null)).toEqual({ word: 'running', ack: null });
  });

  it('a pressed control stays pending until the progress shows it taken', () => {
    expect(stillPending('stop', running)).toBe('stop');
    expect(stillPending('stop', p({ status: 'stopping', phase: 'rollout' }))).toBeNull();
    expect(stillPending('pause', running)).toBe('pause');
    expect(stillPending('pause', p({ status: 'paused', phase: 'rollout' }))).toBeNull();
    expect(stillPending('step', p({ status: 'paused', phase: 'rollout' }))).toBe('step');
    expect(stillPending('step', p({ status: 'paused', waiting: true }))).toBeNull();
    expect(stillPending('pause', p({ status: 'done' }))).toBeNull();
  });
});
