/** `train --out` then `train --resume`: the folder ends as one uninterrupted run's. */
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBundle } from '../../storage/bundle';
import { writeZip } from '../../storage/zip';
import type { CliIo } from '../command';
import { main } from '../main';

const dir = mkdtempSync(join(tmpdir(), 'train-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const io = (): CliIo & { err: string } => {
  const o = { err: '', stdout: () => {}, stderr: (t: string) => void (o.err += t) };
  return o;
};

/** A tiny wasm run: no warm-up, 2 questions x 3 rollouts of 16 tokens, the KL term on. */
const SETS = [
  'model.dModel=16',
  'model.layers=1',
  'model.heads=2',
  'data.trainSize=5',
  'sft.steps=0',
  'rl.questionsPerStep=2',
  'rl.groupSize=3',
  'rl.maxNewTokens=16',
  'rl.klBeta=0.1',
  'rl.checkpointEvery=2',
].flatMap((s) => ['--set', s]);

const rows = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const m = JSON.parse(l) as Record<string, number>;
      for (const k of Object.keys(m))
        if (k.startsWith('timing/') || k.startsWith('throughput/') || k === 'step_time')
          delete m[k];
      return m;
    });

describe('train --resume', () => {
  it('continues from checkpoint/ with the same metrics as a run that never stopped', async () => {
    const whole = join(dir, 'whole');
    const part = join(dir, 'part');
    const a = io();
    expect(await main(['train', '--out', whole, '--set', 'rl.steps=3', ...SETS], a), a.err).toBe(0);
    const b = io();
    expect(await main(['train', '--out', part, '--set', 'rl.steps=2', ...SETS], b), b.err).toBe(0);
    // A row past the checkpoint, as a crash between checkpoints leaves: it is dropped.
    appendFileSync(join(part, 'metrics.jsonl'), '{"step":3,"reward":99}\n');
    // Written as folders were when trajectories counted steps from 0: renumbered on resume.
    const trajFile = join(part, 'trajectories.jsonl');
    writeFileSync(
      trajFile,
      rows(trajFile)
        .map((t) => JSON.stringify({ ...t, step: t.step - 1 }) + '\n')
        .join(''),
    );
    const c = io();
    expect(await main(['train', '--resume', part, '--set', 'rl.steps=3'], c), c.err).toBe(0);
    expect(c.err).toMatch(/trajectories\.jsonl: renumbered its steps from 1/);
    expect(rows(join(part, 'metrics.jsonl'))).toEqual(rows(join(whole, 'metrics.jsonl')));
    // One numbering: each step's rollouts carry its metrics row's step.
    const trajSteps = (d: string) => [
      ...new Set(rows(join(d, 'trajectories.jsonl')).map((t) => t.step)),
    ];
    expect(trajSteps(whole)).toEqual([1, 2, 3]);
    expect(trajSteps(part)).toEqual([1, 2, 3]);
    expect(readFileSync(join(part, 'checkpoint/model.safetensors'))).toEqual(
      readFileSync(join(whole, 'checkpoint/model.safetensors')),
    );
    expect(readFileSync(join(part, 'checkpoint/trainer_state.safetensors'))).toEqual(
      readFileSync(join(whole, 'checkpoint/trainer_state.safetensors')),
    );
    // Held-out greedy evaluation (rl.evalEvery 5): before step 1 and after the last step; the
    // interrupted run also evaluated at its own last step (2).
    const evals = (d: string) => rows(join(d, 'eval.jsonl'));
    expect(evals(whole).map((r) => r.step)).toEqual([0, 3]);
    expect(evals(part).map((r) => r.step)).toEqual([0, 2, 3]);
    for (const r of evals(whole)) {
      expect(r.questions).toBe(64);
      expect(r.greedyAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.greedyAccuracy).toBeLessThanOrEqual(1);
    }
    expect(evals(part)[2]).toEqual(evals(whole)[1]); // same weights, same answers
    // The folder, zipped as it is, is a run bundle the lab imports.
    const entries = readdirSync(part, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const path = join(e.parentPath, e.name);
        return { name: path.slice(part.length + 1), data: new Uint8Array(readFileSync(path)) };
      });
    const bundle = await readBundle(writeZip(entries), 'part.zip');
    expect(bundle.metrics.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(bundle.checkpoint?.step).toBe(3);
    expect(bundle.trajectories.map((t) => t.step)).toEqual([1, 2, 3]);
  }, 120_000);

  it('says what is missing or wrong', async () => {
    const empty = join(dir, 'empty');
    const e = io();
    expect(await main(['train', '--resume', empty], e)).toBe(2);
    expect(e.err).toMatch(/has no config\.json; pass a folder written by "train --out"/);
    const other = io();
    expect(await main(['train', '--resume', empty, '--out', join(dir, 'x')], other)).toBe(2);
    expect(other.err).toMatch(/--resume continues the run in its own folder/);
    const old = join(dir, 'old');
    const f = io();
    expect(await main(['train', '--out', old, '--set', 'rl.steps=1', ...SETS], f), f.err).toBe(0);
    // A checkpoint written before resume (and manifests) existed: no trainer state, no manifest.
    rmSync(join(old, 'checkpoint/trainer_state.safetensors'));
    rmSync(join(old, 'checkpoint/manifest.json'));
    writeFileSync(join(old, 'metrics.jsonl'), '');
    const g = io();
    expect(await main(['train', '--resume', old], g)).toBe(1);
    expect(g.err).toMatch(/has no trainer_state\.safetensors .* cannot continue exactly/);
  }, 120_000);
});
