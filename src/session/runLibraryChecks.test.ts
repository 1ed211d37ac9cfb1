/**
 * The browser's run store refuses what the CLI refuses: a saved checkpoint whose hashes agree
 * but whose content is wrong (NaN weights, a config.json that does not describe the weights) is
 * not resumed, the message names the file, and nothing of the run changes before the check.
 */
import * as tf from '@tensorflow/tfjs';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../contract/config';
import { encodeTrainerState, TRAINER_STATE_FILE } from '../engine/loop/trainerState';
import type { StepMetrics } from '../contract/metrics';
import { TransformerModel } from '../engine/model/transformer';
import { presetConfig } from '../contract/presets';
import { checkpointFiles } from '../engine/store/checkpoint';
import { decodeSafetensors, encodeSafetensors, f32ToBytes } from '../engine/store/safetensors';
import { trainTokenizer } from '../engine/tokenizer';
import { RunStore } from '../storage/runStore';
import { RunLibrary } from './runLibrary';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const enc = new TextEncoder();

function config(): RunConfig {
  let c = presetConfig('tiny');
  for (const s of ['model.dModel=16', 'model.heads=2', 'model.layers=1']) c = applyOverride(c, s);
  return c;
}

/** A step-2 checkpoint's files as the worker stores them (bytes), changed by `edit`. */
async function checkpoint(
  edit: (files: Record<string, Uint8Array>) => void,
): Promise<Record<string, Uint8Array>> {
  const c = config();
  const tok = trainTokenizer('char', 'What is 2 + 3? The answer is \\boxed{5}.');
  const model = TransformerModel.create({ ...c.model, vocab: tok.vocabSize }, 1);
  const f = await checkpointFiles(model, tok, c, 2);
  const vars = model.variables();
  const zeros = () => vars.map((v) => new Float32Array(v.size));
  const state = encodeTrainerState(
    {
      step: 2,
      rngState: 7,
      order: [],
      cursor: 0,
      optimizer: { t: 2, m: zeros(), v: zeros() },
      reference: null,
    },
    vars.map((v) => v.shape),
  );
  model.dispose();
  const files: Record<string, Uint8Array> = {
    'model.safetensors': f['model.safetensors'],
    'tokenizer.json': enc.encode(f['tokenizer.json']),
    'config.json': enc.encode(f['config.json']),
    [TRAINER_STATE_FILE]: state,
  };
  edit(files);
  return files;
}

async function savedRun(files: Record<string, Uint8Array>) {
  const store = await RunStore.open({ indexedDB: new IDBFactory() });
  const run = await store.createRun({ name: 'r', config: config() });
  await store.appendMetrics(
    run.id,
    [1, 2, 3].map((step) => ({ step, reward: 0 }) as unknown as StepMetrics),
  );
  await store.writeCheckpoint(run.id, 2, files);
  await store.updateRun(run.id, { status: 'interrupted' });
  const lib = new RunLibrary(
    store,
    () => {},
    async () => null,
  );
  return { store, run, lib };
}

describe('resuming a saved run checks its checkpoint content', () => {
  it('refuses NaN weights, naming the file and tensor, and changes nothing', async () => {
    const files = await checkpoint((f) => {
      const { tensors, metadata } = decodeSafetensors(f['model.safetensors']);
      const out = [...tensors].map(([name, t]) => {
        const v = new Float32Array(t.bytes.slice().buffer);
        if (name === 'wte.weight') v[3] = Infinity;
        return [name, { ...t, bytes: f32ToBytes(v) }] as [string, typeof t];
      });
      f['model.safetensors'] = encodeSafetensors(out, metadata);
    });
    const { store, run, lib } = await savedRun(files);
    await expect(lib.prepareResume(run.id)).rejects.toThrow(
      /^model\.safetensors: tensor "wte\.weight" has 1 non-finite value\(s\) \(NaN or ±Infinity\), the first at index 3/,
    );
    expect((await store.loadMetrics(run.id)).map((m) => m.step)).toEqual([1, 2, 3]);
    expect((await store.getRun(run.id))?.status).toBe('interrupted');
    store.close();
  });

  it('refuses a config.json that does not describe the weights', async () => {
    const files = await checkpoint((f) => {
      const meta = JSON.parse(new TextDecoder().decode(f['config.json']));
      meta.model.heads = 4;
      f['config.json'] = enc.encode(JSON.stringify(meta));
    });
    const { store, run, lib } = await savedRun(files);
    await expect(lib.prepareResume(run.id)).rejects.toThrow(
      /^model\.safetensors: the model config it was saved with differs from config\.json \(config\.json vs weights: heads 4 vs 2\)/,
    );
    expect((await store.loadMetrics(run.id)).map((m) => m.step)).toEqual([1, 2, 3]);
    store.close();
  });

  it('resumes the same checkpoint unchanged, dropping the rows after it', async () => {
    const { store, run, lib } = await savedRun(await checkpoint(() => {}));
    const p = await lib.prepareResume(run.id);
    expect(p.point?.state.step).toBe(2);
    expect(p.history.map((m) => m.step)).toEqual([1, 2]);
    p.point?.model.dispose();
    store.close();
  });
});
