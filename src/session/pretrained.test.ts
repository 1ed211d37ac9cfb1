/** The worker's pretrained-student path in Node (WASM): inspect, load, sample, train a step. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride } from '../contract/config';
import { presetConfig } from '../contract/presets';
import { LabSession } from './labSession';
import type { PretrainedSource, WorkerCommand, WorkerEvent } from './protocol';

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

const DIR = 'test/fixtures/hf/tiny-qwen2';
/** The fixture folder as the page sends picked files (Blobs with folder-relative names). */
const picked: PretrainedSource = {
  kind: 'files',
  files: readdirSync(DIR)
    .filter((f) => !f.startsWith('expected'))
    .map((f) => ({ name: `tiny-qwen2/${f}`, file: new Blob([readFileSync(`${DIR}/${f}`)]) })),
};

function harness() {
  const events: WorkerEvent[] = [];
  let id = 1;
  const session = new LabSession({
    post: (e) => events.push(e),
    selectBackend: async () => ({ backend: 'wasm', adapter: null, reason: 'test' }),
  });
  type Cmd = WorkerCommand extends infer C
    ? C extends { id: number }
      ? Omit<C, 'id'>
      : never
    : never;
  const send = (c: Cmd) => session.handle({ ...c, id: id++ } as WorkerCommand);
  const of = <T extends WorkerEvent['type']>(type: T) =>
    events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  const until = async (pred: () => boolean, ms = 60_000) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { session, events, send, of, until };
}

describe('pretrained students in the worker session', () => {
  it('inspects, loads picked files, samples, and trains one LoRA step on the loaded model', async () => {
    const h = harness();
    await h.send({ type: 'init', backend: 'wasm' });
    const student = presetConfig('smollm2-135m-instruct').student;
    await h.send({ type: 'hf-inspect', source: picked, student });
    const info = h.of('hf-info')[0].info;
    expect(info).toMatchObject({
      label: 'tiny-qwen2 (picked files)',
      architecture: 'qwen2',
      layers: 2,
    });
    expect(info.estimate.parameters).toBe(26912);
    expect(info.lora).toEqual({ rank: 16, targets: student.loraTargets });

    await h.send({ type: 'hf-load', source: picked });
    expect(h.of('error')).toEqual([]);
    expect(h.of('hf-progress').at(-1)!.progress.fraction).toBe(1);
    const summary = h.of('model').at(-1)!.model;
    expect(summary).toMatchObject({ tokenizer: 'hf', layers: 2, dModel: 32, parameters: 26912 });
    expect(summary.origin).toBe('tiny-qwen2 (picked files)');

    await h.send({
      type: 'sample',
      params: { prompt: 'Hi', n: 2, maxNewTokens: 4, temperature: 1, topP: 1, seed: 1 },
    });
    expect(h.of('samples')[0].completions).toHaveLength(2);

    let c = presetConfig('smollm2-135m-instruct');
    for (const s of [
      'student.source=hf',
      'student.hf=""',
      'rl.steps=1',
      'rl.maxNewTokens=6',
      'data.trainSize=8',
      'rl.algo=grpo',
    ])
      c = applyOverride(c, s);
    await h.send({ type: 'start', config: c, extras: { prompt: null }, paused: false });
    await h.session.runDone();
    expect(h.of('error')).toEqual([]);
    expect(h.of('metrics')).toHaveLength(1);
    expect(h.of('model').at(-1)!.model.origin).toBe('run 1 on tiny-qwen2 (picked files)');
    // the loaded model stays usable for the next run and for sampling
    await h.send({
      type: 'sample',
      params: { prompt: 'Hi', n: 1, maxNewTokens: 2, temperature: 0, topP: 1, seed: 1 },
    });
    expect(h.of('samples')).toHaveLength(2);
    h.session.dispose();
  });

  it('explains a run that asks for a pretrained student when none is loaded', async () => {
    const h = harness();
    await h.send({ type: 'init', backend: 'wasm' });
    let c = presetConfig('smollm2-135m-instruct');
    c = applyOverride(c, 'student.hf=""');
    await h.send({ type: 'start', config: c, extras: { prompt: null }, paused: false });
    await h.session.runDone();
    expect(
      h
        .of('error')
        .map((e) => e.message)
        .join(),
    ).toMatch(/no pretrained model is loaded: load one in the Model panel/);
    h.session.dispose();
  });
});
