import { describe, expect, it } from 'vitest';
import { presetConfig } from '../contract/presets';
import { MEASURED } from '../contract/presetTimings';
import { asksBeforeStart, presetEstimates, runEstimate } from './estimates';

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

describe('Start asks first', () => {
  const fastest = { preset: 'cpu', total: 40 * 60 };
  it('for a run over 30 minutes when a faster preset exists to offer', () => {
    expect(asksBeforeStart('lab', 5 * 3600, fastest)).toBe(true);
    expect(asksBeforeStart('lab', 29 * 60, fastest)).toBe(false);
    expect(asksBeforeStart('lab', null, fastest)).toBe(false);
  });
  it('never on the fastest preset, however slow this tab (a newcomer’s first Start trains)', () => {
    expect(asksBeforeStart('cpu', 40 * 60, fastest)).toBe(false);
    expect(asksBeforeStart('cpu', 40 * 60, null)).toBe(false);
  });
});
