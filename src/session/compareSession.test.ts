/** LabSession's comparison commands in Node on WASM: events in order, stop, refusal mid-run. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../contract/config';
import { presetConfig } from '../contract/presets';
import { IDBFactory } from 'fake-indexeddb';
import { RunStore } from '../storage/runStore';
import { LabSession } from './labSession';
import type { WorkerEvent } from './protocol';

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

function micro(patch: string[] = []): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'data.trainSize=30',
    'data.evalSize=4',
    'eval.size=4',
    'eval.maxNewTokens=10',
    'sft.steps=3',
    'rl.steps=2',
    'rl.questionsPerStep=2',
    'rl.groupSize=2',
    'rl.maxNewTokens=10',
    ...patch,
  ])
    c = applyOverride(c, s);
  return c;
}

function harness(openRunStore?: () => Promise<RunStore>) {
  const events: WorkerEvent[] = [];
  const session = new LabSession({
    post: (e) => events.push(e),
    selectBackend: async () => ({ backend: 'wasm', adapter: null, reason: 'test' }),
    ...(openRunStore ? { openRunStore } : {}),
  });
  const of = <T extends WorkerEvent['type']>(type: T) =>
    events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  return { session, events, of };
}

const extras = { prompt: null };
const label = 'comparison 12:00';

describe('LabSession comparison', () => {
  it('streams progress, arm metrics and rows, then the whole result', async () => {
    const h = harness();
    await h.session.handle({ type: 'init', id: 1, backend: 'wasm' });
    await h.session.handle({ type: 'compare', id: 2, config: micro(), extras, label });
    expect(h.of('error')).toEqual([]);
    expect(h.of('compare-row').map((e) => [e.id, e.row.method])).toEqual([
      [2, 'zero-shot'],
      [2, 'sft'],
      [2, 'star'],
      [2, 'grpo'],
      [2, 'thinktuning'],
    ]);
    const grpo = h.of('compare-metrics').filter((e) => e.method === 'grpo');
    expect(grpo.map((e) => e.metrics[0].step)).toEqual([1, 2]);
    expect(h.of('compare-progress')[0].progress).toMatchObject({ method: 'warm-up', step: 0 });
    const done = h.of('compare-done');
    expect(done).toHaveLength(1);
    expect(done[0].result.rows).toHaveLength(5);
    expect(done[0].result.arms.find((a) => a.method === 'grpo')!.metrics).toEqual(
      grpo.flatMap((e) => e.metrics),
    );
    expect(done[0].budgetText[0]).toMatch(/All arms start from one warm-up \(3 SFT steps\)/);
    // The comparison uses its own students: the lab's model is still the fresh one.
    expect(h.of('model')).toEqual([]);
    h.session.dispose();
  });

  it('saves every trained arm as a finished run with its metrics (fake IndexedDB)', async () => {
    const factory = new IDBFactory();
    const h = harness(() => RunStore.open({ indexedDB: factory }));
    await h.session.handle({ type: 'init', id: 1, backend: 'wasm' });
    await h.session.handle({ type: 'compare', id: 2, config: micro(), extras, label });
    expect(h.of('error')).toEqual([]);
    const rows = h.of('compare-row');
    expect(rows.map((e) => [e.row.method, e.runId !== undefined])).toEqual([
      ['zero-shot', false], // nothing trained: nothing to overlay
      ['sft', true],
      ['star', true],
      ['grpo', true],
      ['thinktuning', true],
    ]);
    const store = await RunStore.open({ indexedDB: factory });
    const saved = await store.listRuns();
    const grpoId = rows.find((e) => e.row.method === 'grpo')!.runId!;
    const grpo = saved.find((r) => r.id === grpoId)!;
    expect(grpo).toMatchObject({
      name: 'GRPO · comparison 12:00 · seed 1',
      status: 'finished',
      origin: 'comparison:grpo',
      step: 2,
    });
    expect(grpo.config.rl.algo).toBe('grpo');
    const done = h.of('compare-done')[0].result;
    expect(await store.loadMetrics(grpoId)).toEqual(
      done.arms.find((a) => a.method === 'grpo')!.metrics,
    );
    const star = saved.find((r) => r.origin === 'comparison:star')!;
    expect((await store.loadMetrics(star.id)).map((m) => m.step)).toEqual([1, 2]);
    h.session.dispose();
  });

  it('compare-stop ends it after the current step with the finished rows', async () => {
    const h = harness();
    await h.session.handle({ type: 'init', id: 1, backend: 'wasm' });
    const running = h.session.handle({ type: 'compare', id: 2, config: micro(), extras, label });
    while (!h.of('compare-row').some((e) => e.row.method === 'sft'))
      await new Promise((r) => setTimeout(r, 2));
    await h.session.handle({ type: 'compare-stop', id: 3 });
    await running;
    const done = h.of('compare-done')[0];
    expect(done.result.stopped).toBe(true);
    expect(done.result.rows.length).toBeLessThan(5);
    expect(done.result.rows.map((r) => r.method).slice(0, 2)).toEqual(['zero-shot', 'sft']);
    h.session.dispose();
  });

  it('is refused while a training run is active, naming the fix', async () => {
    const h = harness();
    await h.session.handle({ type: 'init', id: 1, backend: 'wasm' });
    await h.session.handle({
      type: 'start',
      id: 2,
      config: micro(['rl.steps=50']),
      extras,
      paused: true,
    });
    await h.session.handle({ type: 'compare', id: 3, config: micro(), extras, label });
    expect(h.of('error')).toEqual([
      {
        type: 'error',
        id: 3,
        message: 'Stop the training run before running the comparison: both need the CPU/GPU.',
      },
    ]);
    await h.session.handle({ type: 'stop', id: 4 });
    await h.session.runDone();
    h.session.dispose();
  });
});
