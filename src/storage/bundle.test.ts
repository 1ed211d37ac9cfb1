import * as tf from '@tensorflow/tfjs';
import { IDBFactory } from 'fake-indexeddb';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOverride } from '../contract/config';
import { encodeTrainerState, TRAINER_STATE_FILE } from '../engine/loop/trainerState';
import type { Trajectory } from '../contract/loopRecords';
import type { StepMetrics } from '../contract/metrics';
import { TransformerModel } from '../engine/model/transformer';
import { presetConfig } from '../contract/presets';
import { checkpointFiles } from '../engine/store/checkpoint';
import { trainTokenizer } from '../engine/tokenizer';
import { exportRunBundle, importRunBundle, readBundle } from './bundle';
import { RunStore } from './runStore';
import { trajectoryStepOffset } from '../contract/runBundleFormat';
import { readZip, writeZip, type ZipEntry } from './zip';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dir = mkdtempSync(join(tmpdir(), 'bundle-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const enc = new TextEncoder();
const SECRET = 'sk-live0123456789abcdefXYZ';

/** A saved run with every part: config, metrics (one NaN), warm-up rows, 2 steps of trajectories, checkpoint. */
async function savedRun(store: RunStore) {
  let config = applyOverride(presetConfig('tiny'), 'model.dModel=16');
  config = applyOverride(config, 'model.heads=2');
  config = applyOverride(config, 'model.layers=1');
  const leaky = structuredClone(config);
  leaky.teacher.baseURL = `https://api.example.com/v1?api_key=${SECRET}`;
  const run = await store.createRun({ name: 'tiny TT', config: leaky, backend: 'wasm' });
  const metrics: StepMetrics[] = [1, 2, 3].map((step) => ({
    step,
    reward: step / 4,
    'clip_ratio/region_mean': 0.125 * step,
    kl: step === 2 ? Number.NaN : 0.5,
  }));
  await store.appendSftMetrics(run.id, [
    { step: 1, loss: 3.5, lr: 0.02, grad_norm: 1.5, tokens: 100, step_time: 0.01, skipped: false },
  ]);
  await store.appendMetrics(run.id, metrics);
  // Saved as runs were before trajectories counted from 1: "step" one less than the row's.
  const traj = (step: number): Trajectory[] =>
    [0, 1].map((index) => ({
      step: step - 1,
      group: 0,
      index,
      itemId: `q${step}`,
      question: 'What is 2 + 3?',
      answer: '5',
      response: 'It is \\boxed{5}.',
      reward: 1,
      rewardComponents: { correctness: 1 },
      advantage: index ? 0.5 : -0.5,
      correct: true,
      finished: true,
      truncated: false,
      guided: index === 1,
      zeroSpread: false,
      tokens: [
        {
          id: 7,
          text: 'It',
          part: 'student',
          logprob: -1.25,
          oldLogprob: Number.NaN,
          ratio: 1,
          advantage: 0.5,
          entropy: 2,
          clippedLow: false,
          clippedHigh: false,
          offPolicy: false,
          masked: false,
          weight: 1,
        },
      ],
    }));
  await store.putTrajectories(run.id, 2, traj(2));
  await store.putTrajectories(run.id, 3, traj(3));
  const tok = trainTokenizer('char', 'What is 2 + 3? It is \\boxed{5}.');
  const model = TransformerModel.create({ ...config.model, vocab: tok.vocabSize }, 1);
  const files = await checkpointFiles(model, tok, leaky, 3); // an unredacted run config inside
  const shapes = model.variables().map((v) => v.shape);
  const moments = () => model.variables().map((v) => new Float32Array(v.size).fill(0.25));
  const state = encodeTrainerState(
    {
      step: 3,
      rngState: 42,
      order: [1, 0],
      cursor: 1,
      optimizer: { t: 3, m: moments(), v: moments() },
      reference: null,
    },
    shapes,
  );
  model.dispose();
  await store.writeCheckpoint(run.id, 3, {
    'model.safetensors': files['model.safetensors'],
    'tokenizer.json': enc.encode(files['tokenizer.json']),
    'config.json': enc.encode(files['config.json']),
    [TRAINER_STATE_FILE]: state,
  });
  await store.updateRun(run.id, { status: 'stopped' });
  return run.id;
}

const freshStore = () => RunStore.open({ indexedDB: new IDBFactory() });

/** Rebuilds a bundle with one entry replaced (or removed when `data` is null). */
function withEntry(bytes: Uint8Array, name: string, data: Uint8Array | null): Uint8Array {
  const entries: ZipEntry[] = readZip(bytes).filter((e) => e.name !== name);
  if (data) entries.push({ name, data });
  return writeZip(entries);
}

describe('run bundle', () => {
  it('export -> import gives an equal run: config, metrics, trajectories, checkpoint bytes', async () => {
    const a = await freshStore();
    const id = await savedRun(a);
    const { filename, bytes } = await exportRunBundle(a, id);
    expect(filename).toBe('tiny-TT-step3.zip');
    const file = join(dir, filename);
    writeFileSync(file, bytes);
    const listed = execFileSync('unzip', ['-Z1', file]).toString().trim().split('\n');
    expect(listed).toEqual([
      'run.json',
      'config.json',
      'metrics.jsonl',
      'sft_metrics.jsonl',
      'trajectories.jsonl',
      'checkpoint/model.safetensors',
      'checkpoint/tokenizer.json',
      'checkpoint/config.json',
      'checkpoint/trainer_state.safetensors',
      'checkpoint/manifest.json',
    ]);
    const metricsLines = execFileSync('unzip', ['-p', file, 'metrics.jsonl']).toString();
    expect(metricsLines.split('\n')[1]).toBe(
      '{"step":2,"reward":0.5,"clip_ratio/region_mean":0.25,"kl":null}',
    );
    // Trajectories are numbered like metrics.jsonl, also those a run saved numbered from 0.
    const trajSteps = execFileSync('unzip', ['-p', file, 'trajectories.jsonl'])
      .toString()
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Trajectory).step);
    expect(trajSteps).toEqual([2, 2, 3, 3]);
    expect(JSON.parse(execFileSync('unzip', ['-p', file, 'run.json']).toString())).toMatchObject({
      version: 2,
      trajectories: { steps: [2, 3] },
    });

    const b = await freshStore();
    const imported = await importRunBundle(b, bytes, filename);
    const src = (await a.getRun(id))!;
    expect(imported.id).not.toBe(id);
    expect(imported).toMatchObject({
      name: src.name,
      status: 'stopped',
      step: 3,
      sftStep: 1,
      totalSteps: src.totalSteps,
      createdAt: src.createdAt,
      backend: 'wasm',
      origin: 'import',
    });
    expect(imported.config).toEqual(src.config);
    expect(await b.loadMetrics(imported.id)).toEqual(await a.loadMetrics(id));
    expect(await b.loadSftMetrics(imported.id)).toEqual(await a.loadSftMetrics(id));
    expect(await b.loadTrajectories(imported.id)).toEqual(await a.loadTrajectories(id));
    const [ca, cb] = [await a.loadCheckpoint(id), await b.loadCheckpoint(imported.id)];
    expect(cb.pointer.step).toBe(3);
    for (const name of ['model.safetensors', 'tokenizer.json', TRAINER_STATE_FILE])
      expect(cb.files[name]).toEqual(ca.files[name]);
    // ...and exporting the imported run gives the same files (run.json's export time aside).
    const again = readZip((await exportRunBundle(b, imported.id)).bytes);
    const first = readZip(bytes);
    expect(again.map((e) => e.name)).toEqual(first.map((e) => e.name));
    again.forEach((e, i) => e.name !== 'run.json' && expect(e.data).toEqual(first[i].data));
  });

  it('never exports an API key, even one pasted into the config or left in a checkpoint', async () => {
    const a = await freshStore();
    const { bytes } = await exportRunBundle(a, await savedRun(a));
    expect(Buffer.from(bytes).includes(SECRET)).toBe(false);
    const config = JSON.parse(new TextDecoder().decode(readZip(bytes)[1].data));
    expect(config.teacher.baseURL).toBe('https://api.example.com/v1?api_key=%5Bredacted%5D');
  });

  it('names the file, line and field of what is wrong', async () => {
    const a = await freshStore();
    const { bytes } = await exportRunBundle(a, await savedRun(a));
    const fails = (b: Uint8Array) => readBundle(b, 'x.zip');
    await expect(fails(enc.encode('hello'))).rejects.toThrow(/^x.zip: Not a ZIP file/);
    await expect(fails(withEntry(bytes, 'config.json', null))).rejects.toThrow(
      /x.zip has no config.json/,
    );
    const cfg = JSON.parse(new TextDecoder().decode(readZip(bytes)[1].data));
    cfg.rl.groupSize = 0;
    await expect(
      fails(withEntry(bytes, 'config.json', enc.encode(JSON.stringify(cfg)))),
    ).rejects.toThrow(/^config.json: rl.groupSize: /);
    await expect(
      fails(withEntry(bytes, 'metrics.jsonl', enc.encode('{"step":1}\n{"step":2,\n'))),
    ).rejects.toThrow(/^metrics.jsonl line 2 is not valid JSON/);
    await expect(
      fails(withEntry(bytes, 'metrics.jsonl', enc.encode('{"step":2}\n{"step":1}\n'))),
    ).rejects.toThrow('metrics.jsonl line 2: step 1 does not follow step 2');
    await expect(
      fails(withEntry(bytes, 'metrics.jsonl', enc.encode('{"step":1,"reward":"high"}\n'))),
    ).rejects.toThrow('metrics.jsonl line 1: "reward" must be a number (got "high")');
    await expect(
      fails(
        withEntry(
          bytes,
          'trajectories.jsonl',
          enc.encode(
            '{"step":0,"group":0,"index":0,"question":"q","response":"r","correct":true,"guided":false}\n',
          ),
        ),
      ),
    ).rejects.toThrow('trajectories.jsonl line 1: "tokens" must be an array');
    await expect(
      fails(withEntry(bytes, 'checkpoint/trainer_state.safetensors', null)),
    ).rejects.toThrow(/x.zip has no checkpoint\/trainer_state.safetensors/);
    const model = readZip(bytes)
      .find((e) => e.name === 'checkpoint/model.safetensors')!
      .data.slice();
    model[model.length - 1] ^= 1;
    await expect(fails(withEntry(bytes, 'checkpoint/model.safetensors', model))).rejects.toThrow(
      'checkpoint/model.safetensors does not match its SHA-256 in run.json: the file was changed or damaged.',
    );
    const manifest = JSON.parse(new TextDecoder().decode(readZip(bytes)[0].data));
    manifest.status = 'exploded';
    await expect(
      fails(withEntry(bytes, 'run.json', enc.encode(JSON.stringify(manifest)))),
    ).rejects.toThrow(/^run.json: "status" must be one of running, interrupted/);
    // Nothing half-imported is left behind by a failed import.
    const b = await freshStore();
    await expect(importRunBundle(b, withEntry(bytes, 'config.json', null))).rejects.toThrow();
    expect(await b.listRuns()).toEqual([]);
  });

  it('checks the checkpoint against manifest.json, then its content, before storing anything', async () => {
    const a = await freshStore();
    const { bytes } = await exportRunBundle(a, await savedRun(a));
    const entry = (name: string) =>
      readZip(bytes)
        .find((e) => e.name === name)!
        .data.slice();
    const noRunJson = (b: Uint8Array) => writeZip(readZip(b).filter((e) => e.name !== 'run.json'));
    // A file changed after the manifest was written (no run.json to catch it first).
    const model = entry('checkpoint/model.safetensors');
    model[model.length - 1] ^= 1;
    await expect(
      readBundle(noRunJson(withEntry(bytes, 'checkpoint/model.safetensors', model)), 'x.zip'),
    ).rejects.toThrow(
      /^checkpoint\/model\.safetensors has SHA-256 [0-9a-f]{12}… but manifest\.json says [0-9a-f]{12}…/,
    );
    // NaN weights with every hash in agreement (written by a run whose weights diverged).
    const nan = entry('checkpoint/model.safetensors');
    new DataView(nan.buffer).setFloat32(nan.length - 4, NaN, true);
    const noHashes = readZip(bytes).filter(
      (e) => e.name !== 'run.json' && e.name !== 'checkpoint/manifest.json',
    );
    const b = await freshStore();
    await expect(
      importRunBundle(
        b,
        withEntry(writeZip(noHashes), 'checkpoint/model.safetensors', nan),
        'x.zip',
      ),
    ).rejects.toThrow(
      /^checkpoint\/model\.safetensors: tensor "ln_f\.bias" has 1 non-finite value\(s\) \(NaN or ±Infinity\)/,
    );
    expect(await b.listRuns()).toEqual([]);
  });

  it('renumbers the trajectories of a version 1 bundle and of an old CLI folder from 1', async () => {
    const a = await freshStore();
    const { bytes } = await exportRunBundle(a, await savedRun(a));
    const entries = readZip(bytes);
    const text = (name: string) =>
      new TextDecoder().decode(entries.find((e) => e.name === name)!.data);
    const manifest = JSON.parse(text('run.json')) as Record<string, unknown>;
    /** trajectories.jsonl with every "step" lowered by one: the old numbering. */
    const zeroBased = new TextEncoder().encode(
      text('trajectories.jsonl')
        .trim()
        .split('\n')
        .map((l) => {
          const t = JSON.parse(l) as Trajectory;
          return JSON.stringify({ ...t, step: t.step - 1 }) + '\n';
        })
        .join(''),
    );
    const v1 = withEntry(
      withEntry(bytes, 'trajectories.jsonl', zeroBased),
      'run.json',
      new TextEncoder().encode(JSON.stringify({ ...manifest, version: 1 })),
    );
    const b = await freshStore();
    const run = await importRunBundle(b, v1, 'v1.zip');
    const kept = await b.loadTrajectories(run.id);
    expect(kept.map((k) => [k.step, ...k.trajectories.map((t) => t.step)])).toEqual([
      [2, 2, 2],
      [3, 3, 3],
    ]);
    // A CLI folder (no run.json) held every step, the first as "step": 0.
    const first = JSON.parse(new TextDecoder().decode(zeroBased).split('\n')[0]) as Trajectory;
    const cliLines = new TextEncoder().encode(
      JSON.stringify({ ...first, step: 0 }) + '\n' + new TextDecoder().decode(zeroBased),
    );
    const folder = withEntry(withEntry(bytes, 'run.json', null), 'trajectories.jsonl', cliLines);
    const c = await freshStore();
    const cli = await importRunBundle(c, folder, 'cli.zip');
    expect((await c.loadTrajectories(cli.id)).map((k) => k.step)).toEqual([1, 2, 3]);
    expect(trajectoryStepOffset(null, [1, 2, 3])).toBe(0);
    expect(trajectoryStepOffset(2, [0])).toBe(0);
    expect(trajectoryStepOffset(1, [5])).toBe(1);
  });

  it('imports a CLI output folder zipped without run.json', async () => {
    const a = await freshStore();
    const { bytes } = await exportRunBundle(a, await savedRun(a));
    const entries = readZip(bytes)
      .filter((e) => e.name !== 'run.json')
      .map((e) => ({ name: `runs/tt/${e.name}`, data: e.data }));
    const b = await freshStore();
    const run = await importRunBundle(b, writeZip(entries), 'tt.zip');
    expect(run).toMatchObject({ name: 'tt', step: 3, status: 'stopped' });
    expect((await b.loadCheckpoint(run.id)).pointer.step).toBe(3);
    expect(await b.loadMetrics(run.id)).toHaveLength(3);
  });
});
