/** `compare` end to end on a micro config (wasm, seconds): the files it writes and its errors. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../command';
import { main } from '../main';
import { parseMethods, parseSeeds } from './compare';

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

const MICRO = [
  'model.dModel=16',
  'model.layers=1',
  'model.heads=2',
  'data.trainSize=30',
  'data.evalSize=4',
  'eval.size=4',
  'eval.maxNewTokens=10',
  'sft.steps=3',
  'sft.batchSize=4',
  'rl.steps=2',
  'rl.questionsPerStep=2',
  'rl.groupSize=2',
  'rl.maxNewTokens=10',
].flatMap((s) => ['--set', s]);

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('lab CLI: compare', () => {
  it('writes the table as JSON and Markdown and each arm its metrics.jsonl', async () => {
    const out = await mkdtemp(join(tmpdir(), 'compare-'));
    dirs.push(out);
    const io = capture();
    const code = await main(['compare', '--preset', 'tiny', ...MICRO, '--out', out], io);
    expect(io.err).not.toMatch(/compare: .*(failed|Error)/);
    expect(code).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'comparison.json'), 'utf8'));
    expect(json.preset).toBe('tiny');
    expect(json.stopped).toBe(false);
    expect(json.rows.map((r: { method: string }) => r.method)).toEqual([
      'zero-shot',
      'sft',
      'star',
      'grpo',
      'thinktuning',
    ]);
    expect(json.budget).toMatchObject({ updates: 2, rowsPerUpdate: 4, rollouts: 8 });
    expect(json.config.rl.steps).toBe(2);
    const md = await readFile(join(out, 'comparison.md'), 'utf8');
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    expect(rows[0]).toBe(
      '| Method | generated L1 acc % | mean length | format % | catchphrase % | reflection % | train s |',
    );
    expect(rows.slice(1).map((l) => l.split(' | ')[0])).toEqual([
      '| Zero-shot (warm-up)',
      '| SFT',
      '| STaR',
      '| GRPO',
      '| ThinkTuning',
    ]);
    expect(md).toContain('GRPO and ThinkTuning: 2 steps of 2 questions x 2 rollouts (8 rollouts)');
    expect(io.out).toContain('| ThinkTuning |');
    const lines = async (p: string) =>
      (await readFile(join(out, p), 'utf8'))
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    expect((await lines('grpo/metrics.jsonl')).map((m) => m.step)).toEqual([1, 2]);
    expect((await lines('thinktuning/metrics.jsonl')).map((m) => m.step)).toEqual([1, 2]);
    expect((await lines('sft/metrics.jsonl')).map((m) => m.step)).toEqual([1, 2]);
    expect((await lines('star/metrics.jsonl')).map((m) => m['star/iteration'])).toEqual([1, 2]);
    expect((await lines('warm-up/sft_metrics.jsonl')).length).toBe(3);
    expect(await readFile(join(out, 'zero-shot/metrics.jsonl'), 'utf8')).toBe('');
    // The graded greedy responses behind each row: 4 held-out questions each.
    const evalRows = await lines('thinktuning/eval.jsonl');
    expect(evalRows).toHaveLength(4);
    expect(evalRows[0]).toMatchObject({ mode: 'greedy', correct: expect.any(Boolean) });
    const acc = evalRows.filter((r) => r.correct).length / 4;
    expect(json.rows.find((r: { method: string }) => r.method === 'thinktuning').overall).toBe(acc);
  });

  it('--seeds runs every arm per seed and summarises each method with a 95% interval', async () => {
    const out = await mkdtemp(join(tmpdir(), 'compare-seeds-'));
    dirs.push(out);
    const argv = ['compare', '--preset', 'tiny', ...MICRO, '--methods', 'zero-shot,grpo'];
    const io = capture();
    expect(await main([...argv, '--seeds', '1,2', '--out', out], io)).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'comparison.json'), 'utf8'));
    expect(json.seeds).toEqual([1, 2]);
    const grpo = json.summary.find((s: { method: string }) => s.method === 'grpo');
    const perSeed = [1, 2].map(
      (k) => json.perSeed[k - 1].rows.find((r: { method: string }) => r.method === 'grpo').overall,
    );
    expect(grpo.accuracies).toEqual(perSeed);
    expect(grpo.accuracy.mean).toBeCloseTo((perSeed[0] + perSeed[1]) / 2, 12);
    expect(grpo.accuracy.n).toBe(2);
    expect(typeof grpo.accuracy.halfWidth).toBe('number');
    // each seed is a whole comparison of its own, with its own seed in its config
    const seed2 = JSON.parse(await readFile(join(out, 'seed-2', 'comparison.json'), 'utf8'));
    expect(seed2.config.seed).toBe(2);
    const md = await readFile(join(out, 'comparison.md'), 'utf8');
    expect(md).toContain(
      '| Method | seed 1 % | seed 2 % | mean ± 95% CI % | gain over warm-up (points) |',
    );
    // a finished seed is read back, not run again
    const again = capture();
    expect(await main([...argv, '--seeds', '1,2', '--out', out], again)).toBe(0);
    expect(again.err).toContain('compare: seed 1: finished earlier');
    expect(again.err).toContain('compare: seed 2: finished earlier');
    expect(JSON.parse(await readFile(join(out, 'comparison.json'), 'utf8')).summary).toEqual(
      json.summary,
    );
    expect(parseSeeds('1,x')).toEqual({
      error: '--seeds expects a list of non-negative integers such as 1,2,3 (got "1,x")',
    });
    expect(parseSeeds('2,2')).toMatchObject({ error: expect.stringMatching(/a seed twice/) });
  });

  it('reads back arms a separate run finished with the same config, not other configs', async () => {
    const out = await mkdtemp(join(tmpdir(), 'compare-arms-'));
    dirs.push(out);
    const base = ['compare', '--preset', 'tiny', ...MICRO, '--seeds', '1', '--out', out];
    expect(await main([...base, '--methods', 'grpo'], capture())).toBe(0);
    const row = JSON.parse(await readFile(join(out, 'seed-1', 'grpo', 'row.json'), 'utf8'));
    expect(row.config.seed).toBe(1);
    expect(row.row.method).toBe('grpo');
    const both = capture();
    expect(await main([...base, '--methods', 'zero-shot,grpo'], both)).toBe(0);
    expect(both.err).toContain('compare: GRPO: finished earlier');
    expect(both.err).not.toContain('compare [2/2] grpo: step');
    const json = JSON.parse(await readFile(join(out, 'seed-1', 'comparison.json'), 'utf8'));
    expect(json.rows.map((r: { method: string }) => r.method)).toEqual(['zero-shot', 'grpo']);
    expect(json.rows[1]).toEqual(row.row);
    // another learning rate is another experiment: the arm is trained again
    const other = capture();
    expect(await main([...base, '--methods', 'grpo', '--set', 'rl.lr=1e-5'], other)).toBe(0);
    expect(other.err).not.toContain('finished earlier');
    expect(other.err).toContain('grpo: step 2/2');
  });

  it('rejects unknown methods, bad counts and a missing --out with the fix', async () => {
    expect(parseMethods('grpo, thinktuning')).toEqual(['grpo', 'thinktuning']);
    expect(parseMethods('grpo,ppo')).toEqual({
      error:
        '--methods: unknown method "ppo". Valid methods: zero-shot, sft, star, grpo, thinktuning.',
    });
    const noOut = capture();
    expect(await main(['compare', '--preset', 'tiny'], noOut)).toBe(2);
    expect(noOut.err).toMatch(/missing --out DIR/);
    const bad = capture();
    expect(await main(['compare', '--out', '/tmp/x', '--star-iterations', '0'], bad)).toBe(2);
    expect(bad.err).toMatch(/--star-iterations must be a positive integer/);
    const key = capture();
    expect(await main(['compare', '--out', '/tmp/x', '--set', 'rl.stepz=3'], key)).toBe(2);
    expect(key.err).toMatch(/Unknown config key "rl\.stepz"/);
  });
});
