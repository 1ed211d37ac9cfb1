import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../contract/presets';
import { main } from '../main';

const GSM8K = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/data/gsm8k',
);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

const lines = (p: string) => readFileSync(p, 'utf8').trimEnd().split('\n');

describe('export-verl', () => {
  it('the default preset (lab): the whole folder', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'ev-'));
    const c = capture();
    expect(await main(['export-verl', '--preset', 'lab', '--out', out], c.io)).toBe(0);
    expect(c.out()).toContain('20000 train and 64 test rows (generated)');
    for (const f of [
      'data/train.jsonl',
      'data/test.jsonl',
      'data/thinktuning/train.jsonl',
      'data/thinktuning/test.jsonl',
      'lab_reward.py',
      'run_grpo.sh',
      'run_thinktuning.sh',
      'MAPPING.md',
      'lab_config.json',
    ])
      expect(statSync(path.join(out, f)).size, f).toBeGreaterThan(0);
    expect(statSync(path.join(out, 'run_grpo.sh')).mode & 0o111).toBe(0o111);
    const mapping = readFileSync(path.join(out, 'MAPPING.md'), 'utf8');
    expect(mapping).toContain(
      '| `rl.lr` | 0.00001 | `actor_rollout_ref.actor.optim.lr=0.00001` | same |',
    );
    expect(mapping).toContain('## No counterpart in verl');
    expect(mapping).toContain('`model.dModel`');
  });

  it('a GSM8K run folder (--run): rows from ../shared/data/gsm8k', async () => {
    const run = mkdtempSync(path.join(tmpdir(), 'run-'));
    const config = presetConfig('reference');
    config.data.gsm8kTrain = path.join(GSM8K, 'train.jsonl');
    config.data.gsm8kEval = path.join(GSM8K, 'test.jsonl');
    config.data.trainSize = 7473;
    writeFileSync(path.join(run, 'config.json'), JSON.stringify(config));
    const out = mkdtempSync(path.join(tmpdir(), 'ev-'));
    const c = capture();
    expect(
      await main(['export-verl', '--run', run, '--name', 'gsm8k run', '--out', out], c.io),
    ).toBe(0);
    expect(lines(path.join(out, 'data/train.jsonl'))).toHaveLength(7473);
    expect(lines(path.join(out, 'data/test.jsonl'))).toHaveLength(64);
    const first = JSON.parse(lines(path.join(out, 'data/train.jsonl'))[0]);
    expect(first.data_source).toBe('openai/gsm8k');
    const grpo = readFileSync(path.join(out, 'run_grpo.sh'), 'utf8');
    expect(grpo).toContain('data.train_batch_size=128');
    expect(grpo).toContain('actor_rollout_ref.actor.ppo_mini_batch_size=32'); // 128 / 4
    expect(grpo).toContain('data.max_response_length=1024');
    expect(grpo).toContain('trainer.experiment_name=gsm8k-run-grpo');
    // rl.steps 58 x B 128 = 7424 rows for the recipe
    expect(lines(path.join(out, 'data/thinktuning/train.jsonl'))).toHaveLength(7424);
  });

  it('bad input names the problem', async () => {
    const c = capture();
    expect(await main(['export-verl', '--preset', 'lab'], c.io)).toBe(2);
    expect(c.err()).toContain('missing --out');
    const d = capture();
    expect(await main(['export-verl', '--preset', 'nope', '--out', '/tmp/x'], d.io)).toBe(2);
    expect(d.err()).toContain('Unknown preset "nope"');
    const e = capture();
    const empty = mkdtempSync(path.join(tmpdir(), 'run-'));
    expect(await main(['export-verl', '--run', empty, '--out', '/tmp/x'], e.io)).toBe(2);
    expect(e.err()).toContain('has no config.json or checkpoint/config.json');
    const f = capture();
    const args = [
      'export-verl',
      '--preset',
      'reference',
      '--out',
      mkdtempSync(path.join(tmpdir(), 'ev-')),
    ];
    expect(await main(args, f.io)).toBe(1);
    expect(f.err()).toContain('data.gsm8kTrain is empty');
  });
});
