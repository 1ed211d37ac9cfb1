import { describe, expect, it } from 'vitest';
import { applyOverride } from '../contract/config';
import { presetConfig } from '../contract/presets';
import { changedSettings, describeRun } from './runNames';

const at = (h: number, m: number) => new Date(2026, 5, 1, h, m).getTime();

describe('run names', () => {
  it('carry the preset, algorithm, seed, changed settings and start time', () => {
    const base = presetConfig('tiny');
    expect(describeRun('tiny', base, at(14, 5))).toBe(
      `tiny · ${base.rl.algo === 'grpo' ? 'GRPO' : 'ThinkTuning'} · seed ${base.seed} · 14:05`,
    );
    let c = applyOverride(base, 'rl.algo="grpo"');
    c = applyOverride(c, 'seed=3');
    c = applyOverride(c, 'rl.lr=0.002');
    c = applyOverride(c, 'model.dModel=32');
    expect(describeRun('tiny', c, at(9, 0))).toBe(
      'tiny · GRPO · seed 3 · lr=0.002, model.dModel=32 · 09:00',
    );
    // The teacher's settings say nothing about what was trained: left out.
    expect(changedSettings('tiny', applyOverride(base, 'teacher.model="x"'))).toEqual([]);
  });

  it('tell apart seven runs that differ in one setting each, and list at most three changes', () => {
    const base = presetConfig('tiny');
    const names = [1, 2, 3, 4, 5, 6, 7].map((seed) =>
      describeRun('tiny', applyOverride(base, `seed=${seed}`), at(10, 0)),
    );
    expect(new Set(names).size).toBe(7);
    let c = base;
    for (const s of ['rl.lr=0.003', 'rl.groupSize=4', 'rl.temperature=0.7', 'rl.topP=0.9'])
      c = applyOverride(c, s);
    expect(describeRun('tiny', c, at(10, 0))).toMatch(
      / · seed 1 · (\w+=[\d.]+, ){2}\w+=[\d.]+ \+1 more · 10:00$/,
    );
  });

  it('says when a run warms up from scratch instead of the shipped student', () => {
    const cpu = presetConfig('cpu');
    if (!cpu.student.init) return; // a preset without a shipped student
    expect(changedSettings('cpu', applyOverride(cpu, 'student.init=""'))).toContain(
      'warm-up from scratch',
    );
  });
});
