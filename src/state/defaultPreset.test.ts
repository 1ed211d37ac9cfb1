import { beforeEach, describe, expect, it } from 'vitest';
import type { AdapterInfo } from '../contract/backend';
import type { Trajectory } from '../contract/loopRecords';
import { presetConfig } from '../contract/presets';
import { defaultPresetFor } from './defaultPreset';
import { applyWorkerEvent, resetLab, useLab } from './labStore';

const GPU: AdapterInfo = {
  vendor: 'nvidia',
  architecture: 'hopper',
  device: '',
  description: '',
  isSoftware: false,
};
const SWIFTSHADER: AdapterInfo = { ...GPU, vendor: 'google', isSoftware: true };
const model = {
  ...presetConfig('tiny').model,
  vocab: 100,
  parameters: 1,
  tokenizer: 'char' as const,
  origin: 'fresh',
};

function ready(backend: 'wasm' | 'webgpu', adapter: AdapterInfo | null) {
  applyWorkerEvent({ type: 'ready', id: 1, backend, adapter, reason: '', model, probeMs: null });
}

beforeEach(() => resetLab());

describe('the preset the page opens on', () => {
  it('a real GPU gets lab; WASM and a software GPU get the CPU preset, each with its reason', () => {
    expect(defaultPresetFor('webgpu', GPU, null)).toMatchObject({ preset: 'lab' });
    expect(defaultPresetFor('webgpu', GPU, null).note).toMatch(/real GPU \(WebGPU on nvidia\)/);
    const cpu = defaultPresetFor('wasm', null, null);
    expect(cpu.preset).toBe('cpu');
    expect(cpu.note).toMatch(
      /^Opened on the cpu preset: this tab trains on WASM \(no real GPU found\)/,
    );
    expect(cpu.note).toMatch(/shipped warm-up student/);
    expect(defaultPresetFor('webgpu', SWIFTSHADER, null).preset).toBe('cpu');
  });

  it('follows the backend when the link chose nothing, keeping the teacher settings', () => {
    useLab.setState((s) => ({
      config: { ...s.config, teacher: { ...s.config.teacher, model: 'm' } },
    }));
    ready('webgpu', GPU);
    const s = useLab.getState();
    expect(s.preset).toBe('lab');
    expect(s.config.teacher.model).toBe('m');
    expect(s.presetNote).toMatch(/^Opened on the lab preset/);
  });

  it('leaves a preset from the link or the user alone', () => {
    useLab.setState({ preset: 'tiny', config: presetConfig('tiny'), presetSource: 'url' });
    ready('webgpu', GPU);
    expect(useLab.getState().preset).toBe('tiny');
    expect(useLab.getState().presetNote).toBeNull();
    resetLab();
    useLab.setState({ presetSource: 'user' });
    ready('wasm', null);
    expect(useLab.getState().presetNote).toBeNull();
  });
});

describe('the inspector opens on a guided question until the user picks one', () => {
  const traj = (group: number, guided: boolean) =>
    ({ step: 1, group, index: 0, guided, tokens: [] }) as unknown as Trajectory;

  it('jumps to the first guided group of each pushed step, unless pinned', () => {
    const push = (step: number, ts: Trajectory[]) =>
      applyWorkerEvent({ type: 'trajectories', id: null, run: 1, step, trajectories: ts });
    push(1, [traj(0, false), traj(1, false), traj(2, true)]);
    expect(useLab.getState().inspectGroup).toBe(2);
    push(2, [traj(0, false), traj(1, true), traj(2, false)]);
    expect(useLab.getState().inspectGroup).toBe(1);
    useLab.setState({ inspectGroup: 0, inspectGroupPinned: true });
    push(3, [traj(0, false), traj(1, true)]);
    expect(useLab.getState().inspectGroup).toBe(0);
  });
});
