import { describe, expect, it } from 'vitest';
import { applyOverride } from '../contract/config';
import { presetConfig } from '../contract/presets';
import { configAssignments, configFromSearch, searchForConfig } from './urlConfig';

describe('config in the URL', () => {
  it('round-trips every changed field, strings and arrays included', () => {
    let c = presetConfig('tiny');
    for (const s of [
      'rl.steps=4',
      'model.dModel=16',
      'teacher.kind="http"',
      'teacher.baseURL="http://127.0.0.1:8787/v1"',
      'teacher.model="7"',
      'data.levels=[1,2]',
      'rl.dualClip=null',
      'reward.catchphrase="a=b & c?"',
    ])
      c = applyOverride(c, s);
    const search = searchForConfig('tiny', c, '?backend=wasm');
    expect(search).toContain('backend=wasm');
    expect(search).toContain('set=rl.steps=4');
    const back = configFromSearch(search, 'lab');
    expect(back.warnings).toEqual([]);
    expect(back.preset).toBe('tiny');
    expect(back.config).toEqual(c);
    expect(back.config.teacher.model).toBe('7');
  });

  it('writes nothing for an unchanged preset and reads bare words as strings', () => {
    expect(configAssignments('lab', presetConfig('lab'))).toEqual([]);
    const r = configFromSearch('?preset=tiny&set=rl.algo=grpo', 'lab');
    expect(r.config.rl.algo).toBe('grpo');
  });

  it('never reads, echoes or writes a key: secret params are dropped, credentials redacted', () => {
    const key = 'sk-live-0123456789abcdefXYZ';
    const r = configFromSearch(
      `?preset=tiny&apiKey=${key}&set=teacher.apiKey=${key}&set=teacher.modl=${key}&set=rl.steps=3`,
      'lab',
    );
    expect(r.config.rl.steps).toBe(3);
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings.join('\n')).not.toContain(key);
    expect(r.warnings[0]).toMatch(/"apiKey" ignored: keys are never read from links/);
    expect(r.warnings[1]).toMatch(/set=teacher.apiKey ignored/);
    expect(r.warnings[2]).toMatch(/Unknown config key "teacher.modl"/);
    const c = applyOverride(
      r.config,
      `teacher.baseURL="https://me:pw@api.example.com/v1?api_key=${key}"`,
    );
    const search = searchForConfig('tiny', c, `?backend=wasm&apiKey=${key}&token=t0k3n`);
    expect(search).not.toContain(key);
    expect(search).not.toMatch(/apiKey|token=|me:pw/);
    expect(search).toContain('backend=wasm');
    expect(decodeURIComponent(search)).toContain(
      'teacher.baseURL="https://api.example.com/v1?api_key=%5Bredacted%5D"',
    );
  });

  it('skips bad settings with a readable warning', () => {
    const r = configFromSearch('?preset=nope&set=rl.stepz=3&set=rl.steps=-1&set=rl.lr=0.5', 'lab');
    expect(r.preset).toBe('lab');
    expect(r.config.rl.lr).toBe(0.5);
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings[0]).toMatch(/preset "nope" is unknown/);
    expect(r.warnings[1]).toMatch(/Unknown config key "rl.stepz"/);
    expect(r.warnings[2]).toMatch(/rl.steps/);
  });
});
