import { beforeEach, describe, expect, it } from 'vitest';
import { presetConfig } from '../contract/presets';
import { IDLE_PROGRESS } from './slices';
import { applyWorkerEvent, resetLab, useLab } from './labStore';
import { restartChoices } from './recovery';
import { circuitText, summarizeFaults } from '../ui/FaultPanel';

beforeEach(() => resetLab());

describe('faults in the store', () => {
  it('a lost device marks the worker failed with its backend; restart offers it and wasm', () => {
    useLab.setState({ backend: 'webgpu' });
    applyWorkerEvent({
      type: 'device-lost',
      reason: 'destroyed',
      message: 'Device was destroyed.',
    });
    expect(useLab.getState().workerFault).toEqual({
      kind: 'device-lost',
      message: 'The GPU device was lost (destroyed): Device was destroyed.',
      backend: 'webgpu',
    });
    expect(restartChoices('webgpu')).toEqual(['webgpu', 'wasm']);
    expect(restartChoices('wasm')).toEqual(['wasm']);
    expect(restartChoices(null)).toEqual(['wasm']);
  });

  it('a halted run shows its message until it trains again', () => {
    applyWorkerEvent({
      type: 'run-started',
      id: 1,
      run: 1,
      config: presetConfig('tiny'),
      name: 'r',
    });
    const halt = {
      reason: 'non-finite' as const,
      step: 3,
      lastGoodStep: 0,
      message: 'lower rl.lr',
    };
    applyWorkerEvent({ type: 'run-halted', run: 7, halt });
    expect(useLab.getState().halted).toBeNull(); // another run's
    applyWorkerEvent({ type: 'run-halted', run: 1, halt });
    const paused = { ...IDLE_PROGRESS, status: 'paused' as const, step: 3 };
    applyWorkerEvent({ type: 'progress', run: 1, progress: paused });
    expect(useLab.getState().halted).toEqual(halt);
    applyWorkerEvent({ type: 'progress', run: 1, progress: { ...paused, status: 'running' } });
    expect(useLab.getState().halted).toBeNull();
  });
});

describe('summarizeFaults', () => {
  it('sums failures by kind, skipped calls and NaN steps; the circuit is the latest step’s', () => {
    const s = summarizeFaults([
      {
        'thinktuning/teacher_failures/timeout': 2,
        'thinktuning/teacher_failures/format': 0,
        'thinktuning/teacher_circuit_open': 1,
        'numerics/nonfinite_skipped': 1,
      },
      {
        'thinktuning/teacher_failures/timeout': 1,
        'thinktuning/teacher_failures/bad_json': 3,
        'thinktuning/teacher_skipped': 4,
        'thinktuning/teacher_circuit_open': 0,
        'numerics/weights_restored': 1,
      },
    ]);
    expect(s).toEqual({
      teacherFailures: { timeout: 3, bad_json: 3 },
      teacherSkipped: 4,
      circuitOpen: false,
      nonFiniteSkipped: 1,
      weightsRestored: 1,
    });
    expect(summarizeFaults([{ 'thinktuning/teacher_circuit_open': 1 }]).circuitOpen).toBe(true);
    expect(summarizeFaults([]).circuitOpen).toBe(false);
  });
});

describe('the teacher circuit line', () => {
  it('says "paused" only while the run trains; after it, what the circuit was at the end', () => {
    expect(circuitText(true, true)).toBe('paused (circuit open)');
    expect(circuitText(false, true)).toBe('on');
    expect(circuitText(true, false)).not.toMatch(/paused/);
    expect(circuitText(true, false)).toBe('off, run ended (the circuit was open at its last step)');
    expect(circuitText(false, false)).toBe('off, run ended');
  });
});
