import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  malformedVerlDump,
  syntheticTrlCompletions,
  syntheticVerlDump,
  writeFixture,
} from '../../../scripts/importFixtures';
import { main } from '../main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe('import-run', () => {
  it('a verl dump: summary, per-step table and one group', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verl-'));
    await writeFixture(dir, syntheticVerlDump({ rollouts: 800 }));
    const c = capture();
    expect(await main(['import-run', dir], c.io)).toBe(0);
    expect(c.out()).toContain('verl, 800 rollouts in 100 groups over 2 steps');
    expect(c.out()).toContain('absent: Advantage: verl dumps hold the score only');
    expect(c.out()).toMatch(/\n {3}1 {6}50 {7}400 /);
    const g = capture();
    expect(await main(['import-run', dir, '--group', '2:3'], g.io)).toBe(0);
    expect(g.out()).toContain('step 2 Q3 (answer ');
    expect(g.out().match(/^#\d+ reward /gm)).toHaveLength(8);
    const j = capture();
    expect(await main(['import-run', dir, '--json'], j.io)).toBe(0);
    expect(JSON.parse(j.out())).toMatchObject({ format: 'verl', rollouts: 800, groups: 100 });
  });

  it('a malformed dump lists file and line on stderr and loads the rest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verl-'));
    await writeFixture(dir, malformedVerlDump());
    const c = capture();
    expect(await main(['import-run', dir], c.io)).toBe(0);
    expect(c.err()).toContain(`${path.join(dir, '1.jsonl')} line 3: missing field "score"`);
    expect(c.err()).toContain(`${path.join(dir, '2.jsonl')} line 20: invalid JSON`);
    expect(c.out()).toContain('37 rollouts');
    expect(c.out()).toContain('3 lines could not be read');
  });

  it('a TRL output folder (completions/ inside)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trl-'));
    await writeFixture(path.join(dir, 'completions'), syntheticTrlCompletions({ steps: 5 }));
    const c = capture();
    expect(await main(['import-run', dir, '--step', '2'], c.io)).toBe(0);
    expect(c.out()).toContain('trl, 160 rollouts in 20 groups over 5 steps');
    expect(c.out()).toContain('skipped 128 repeated rows');
  });

  it('nothing importable names what it expects', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'empty-'));
    const c = capture();
    expect(await main(['import-run', dir], c.io)).toBe(1);
    expect(c.err()).toContain('No run found in 0 files');
  });
});
