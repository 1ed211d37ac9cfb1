import { describe, expect, it } from 'vitest';
import { presetConfig } from '../contract/presets';
import { MEASURED } from '../contract/presetTimings';
import { presetEstimates, runEstimate } from './estimates';

describe('the page’s estimates from the measured figures', () => {
  it('on WASM at the reference speed: cpu is the quickest preset that starts RL at once', () => {
    const probe = MEASURED.probeMs.wasm!;
    const e = presetEstimates('wasm', null, probe);
    // rl.steps x the measured RL step; no warm-up (shipped student)
    const cpu = presetConfig('cpu');
    expect(e.fastest).toEqual({
      preset: 'cpu',
      total: cpu.rl.steps * MEASURED.presets.cpu!.wasm!.rl,
    });
    expect(e.labels.cpu).toMatch(/^cpu · ~1\.\d s\/step$/);
    // tiny warms up from scratch: never offered as the way out of a long run
    const tiny = runEstimate('tiny', presetConfig('tiny'), 'wasm', null, probe);
    expect(tiny.sftSteps).toBeGreaterThan(0);
    // lab from scratch on WASM: warm-up x SFT step + steps x RL step, far over 30 minutes
    const lab = presetConfig('lab');
    const t = MEASURED.presets.lab!.wasm!;
    expect(runEstimate('lab', lab, 'wasm', null, probe).total).toBeCloseTo(
      lab.sft.steps * t.sft! + lab.rl.steps * t.rl,
      6,
    );
    expect(runEstimate('lab', lab, 'wasm', null, probe).total!).toBeGreaterThan(30 * 60);
  });

  it('a backend never measured shows bare names and offers nothing', () => {
    const e = presetEstimates('webgl', null, 5);
    expect(e.labels.cpu).toBe('cpu');
    expect(e.fastest).toBeNull();
  });
});
