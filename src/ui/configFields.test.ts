import { describe, expect, it } from 'vitest';
import { configSections, parseInput, rangeText } from './configFields';

const all = configSections().flatMap((s) => s.fields);
const spec = (path: string) => all.find((f) => f.path === path)!;

describe('config panel fields from the schema', () => {
  it('covers every section and field except the backend, each with help', () => {
    const ids = configSections().map((s) => s.id);
    expect(ids).toEqual([
      'run',
      'model',
      'tokenizer',
      'data',
      'sft',
      'eval',
      'rl',
      'thinktuning',
      'reward',
      'teacher',
      'student',
    ]);
    expect(all.find((f) => f.path === 'backend')).toBeUndefined();
    expect(all.filter((f) => f.help === '').map((f) => f.path)).toEqual([]);
  });

  it('reads kinds, ranges and the live rule', () => {
    expect(spec('rl.questionsPerStep').kind).toEqual({
      kind: 'number',
      int: true,
      min: 1,
      max: 4096,
      nullable: false,
    });
    expect(rangeText(spec('rl.lr').kind)).toBe('0 – 1');
    expect(spec('rl.dualClip').kind).toMatchObject({ kind: 'number', nullable: true });
    expect(spec('rl.algo').kind).toEqual({ kind: 'enum', options: ['grpo', 'thinktuning'] });
    expect(spec('data.levels').kind.kind).toBe('int-list');
    expect(spec('data.domains').kind).toMatchObject({ kind: 'enum-list', optional: true });
    expect(spec('rl.lr').live).toBe(true);
    expect(spec('model.dModel').live).toBe(false);
    expect(spec('rl.weightDecay').live).toBe(false);
    expect(spec('thinktuning.initialRate').live).toBe(true);
  });

  it('parses input and explains what is wrong', () => {
    expect(parseInput(spec('rl.lr'), '3e-4')).toEqual({ ok: true, value: 3e-4 });
    expect(parseInput(spec('rl.lr'), '2')).toEqual({ ok: false, message: 'Out of range: 0 – 1.' });
    expect(parseInput(spec('rl.lr'), 'abc')).toEqual({
      ok: false,
      message: '"abc" is not a number.',
    });
    expect(parseInput(spec('rl.steps'), '2.5')).toMatchObject({ ok: false });
    expect((parseInput(spec('rl.steps'), '2.5') as { message: string }).message).toMatch(/whole/);
    expect(parseInput(spec('rl.dualClip'), '')).toEqual({ ok: true, value: null });
    expect(parseInput(spec('data.levels'), '1, 2')).toEqual({ ok: true, value: [1, 2] });
    expect(parseInput(spec('data.levels'), '')).toEqual({
      ok: false,
      message: 'Choose at least one.',
    });
    expect(parseInput(spec('data.levels'), '9')).toMatchObject({ ok: false });
    expect(parseInput(spec('data.domains'), [])).toEqual({ ok: true, value: undefined });
    expect(parseInput(spec('rl.skipZeroSpread'), true)).toEqual({ ok: true, value: true });
  });
});
