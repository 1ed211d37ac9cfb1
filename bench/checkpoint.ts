/**
 * `npx tsx bench/checkpoint.ts`: what a saved run's checkpoint costs per preset, in Node on WASM
 * with fake-indexeddb standing in for the browser's IndexedDB: file sizes (weights, trainer
 * state), building the files, SHA-256, the atomic write with read-back check, the checked load,
 * and the exported bundle. One JSON line per preset on stdout.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { IDBFactory } from 'fake-indexeddb';
import { resumableCheckpoint } from '../src/engine/loop/resume';
import { RlTrainer } from '../src/engine/loop/trainer';
import { TransformerModel } from '../src/engine/model/transformer';
import { presetConfig } from '../src/contract/presets';
import { buildTokenizer } from '../src/engine/student';
import { generateProblems } from '../src/engine/tasks/generated';
import { sha256Hex } from '../src/storage/blobStore';
import { exportRunBundle } from '../src/storage/bundle';
import { RunStore } from '../src/storage/runStore';

const MB = 2 ** 20;
const enc = new TextEncoder();

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await work();
  return [out, Math.round(performance.now() - t0)];
}

async function main(): Promise<void> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  for (const name of process.argv.slice(2).length ? process.argv.slice(2) : ['tiny', 'lab']) {
    const c = presetConfig(name);
    const items = generateProblems({
      seed: 1,
      count: c.data.trainSize,
      levels: c.data.levels,
      split: 'train',
    });
    const tok = buildTokenizer(c, items.slice(0, 2000));
    const model = TransformerModel.create({ ...c.model, vocab: tok.vocabSize }, 1);
    const trainer = new RlTrainer({
      config: c,
      model,
      tokenizer: tok,
      trainItems: items,
      teacher: null,
    });
    const [files, buildMs] = await timed(() => resumableCheckpoint(model, tok, c, trainer));
    const bytes: Record<string, Uint8Array> = {
      'model.safetensors': files['model.safetensors'],
      'tokenizer.json': enc.encode(files['tokenizer.json']),
      'config.json': enc.encode(files['config.json']),
      'trainer_state.safetensors': files['trainer_state.safetensors']!,
    };
    const total = Object.values(bytes).reduce((n, b) => n + b.length, 0);
    const [, hashMs] = await timed(async () => {
      for (const b of Object.values(bytes)) await sha256Hex(b);
    });
    const store = await RunStore.open({ indexedDB: new IDBFactory() });
    const run = await store.createRun({ name, config: c });
    const [, writeMs] = await timed(() => store.writeCheckpoint(run.id, 0, bytes));
    const [, loadMs] = await timed(() => store.loadCheckpoint(run.id));
    const [bundle, exportMs] = await timed(() => exportRunBundle(store, run.id));
    const mb = (n: number) => +(n / MB).toFixed(2);
    console.log(
      JSON.stringify({
        preset: name,
        params: model.variables().reduce((n, v) => n + v.size, 0),
        model_MB: mb(bytes['model.safetensors'].length),
        trainer_state_MB: mb(bytes['trainer_state.safetensors'].length),
        checkpoint_MB: mb(total),
        bundle_MB: mb(bundle.bytes.length),
        build_ms: buildMs,
        sha256_ms: hashMs,
        write_verify_ms: writeMs,
        load_verify_ms: loadMs,
        export_ms: exportMs,
      }),
    );
    trainer.dispose();
    model.dispose();
    store.close();
  }
}

void main();
