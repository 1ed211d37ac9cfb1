import { describe, expect, it } from 'vitest';
import { applyOverride } from './config';
import { presetConfig } from './presets';
import { applyLiveFields, changedFields, isLiveField } from './liveConfig';

describe('live config rule', () => {
  it('live = read every step; restart = builds the student, data, optimizer, reward, batch', () => {
    for (const f of [
      'rl.lr',
      'rl.temperature',
      'rl.epsHigh',
      'rl.steps',
      'thinktuning.initialRate',
      'teacher.baseURL',
    ])
      expect(isLiveField(f), f).toBe(true);
    for (const f of [
      'seed',
      'model.dModel',
      'tokenizer.kind',
      'data.trainSize',
      'sft.steps',
      'rl.algo',
      'rl.weightDecay',
      'rl.klBeta',
      'rl.groupSize',
      'reward.format',
    ])
      expect(isLiveField(f), f).toBe(false);
  });

  it('copies only live changes in place and lists the rest', () => {
    const a = presetConfig('tiny');
    let b = applyOverride(a, 'rl.lr=0.01');
    b = applyOverride(b, 'model.layers=3');
    b = applyOverride(b, 'data.levels=[1,2]');
    expect(changedFields(a, b)).toEqual(['model.layers', 'data.levels', 'rl.lr']);
    const target = structuredClone(a);
    const rlSection = target.rl;
    expect(applyLiveFields(target, b)).toEqual({
      applied: ['rl.lr'],
      needsRestart: ['model.layers', 'data.levels'],
    });
    expect(target.rl).toBe(rlSection); // in place: the trainer holds this object
    expect(target.rl.lr).toBe(0.01);
    expect(target.model.layers).toBe(a.model.layers);
  });
});
