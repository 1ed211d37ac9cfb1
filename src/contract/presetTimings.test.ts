import { describe, expect, it } from 'vitest';
import { presetConfig } from './presets';
import {
  estimateRun,
  formatDuration,
  speedScale,
  timedBackend,
  type MeasuredTimings,
} from './presetTimings';

const M: MeasuredTimings = {
  machine: 'test',
  command: 'test',
  probeMs: { wasm: 10 },
  presets: { cpu: { wasm: { rl: 1.5, sft: 0.3 } }, lab: { wasm: { rl: 40, sft: 20 } } },
};

describe('run estimates', () => {
  it('scales the measured figures by this tab’s probe, clamped to [1/8, 8]', () => {
    expect(speedScale('wasm', 20, M)).toBe(2);
    expect(speedScale('wasm', 1000, M)).toBe(8);
    expect(speedScale('wasm', null, M)).toBe(1);
    expect(speedScale('webgpu-gpu', 5, M)).toBe(1); // no reference probe: unscaled
  });

  it('a shipped student skips the warm-up; from scratch it is counted', () => {
    const cpu = presetConfig('cpu');
    // 1.5 s x 2 per step x rl.steps
    expect(estimateRun('cpu', cpu, 'wasm', 2, M)).toEqual({
      rlStep: 3,
      total: 3 * cpu.rl.steps,
      sftSteps: 0,
    });
    const scratch = { ...cpu, student: { ...cpu.student, init: '' as const } };
    expect(estimateRun('cpu', scratch, 'wasm', 1, M).total).toBeCloseTo(
      0.3 * cpu.sft.steps + 1.5 * cpu.rl.steps,
      9,
    );
    const lab = presetConfig('lab');
    expect(estimateRun('lab', lab, 'wasm', 1, M).total).toBe(
      20 * lab.sft.steps + 40 * lab.rl.steps,
    );
    expect(estimateRun('lab', lab, 'webgpu-gpu', 1, M).total).toBeNull(); // never measured there
  });

  it('names the backend rows and formats durations', () => {
    expect(timedBackend('webgpu', true)).toBe('webgpu-swiftshader');
    expect(timedBackend('webgpu', false)).toBe('webgpu-gpu');
    expect(timedBackend('webgl', false)).toBeNull();
    expect(formatDuration(0.94)).toBe('0.9 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe('3 h 20 min');
  });
});
