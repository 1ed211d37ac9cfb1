/**
 * Saved runs through the worker's state machine (LabSession in Node on WASM, fake IndexedDB):
 * a run whose page dies mid-run is listed as interrupted at its last checkpoint, and resuming it
 * gives the same metrics as a run that was never interrupted.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../contract/config';
import type { StepMetrics } from '../contract/metrics';
import { presetConfig } from '../contract/presets';
import { RunStore } from '../storage/runStore';
import { LabSession } from './labSession';
import { RunLibrary } from './runLibrary';
import type { WorkerCommand, WorkerEvent } from './protocol';

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

/** A tiny ThinkTuning run: warm-up, then 5 RL steps with a checkpoint every 2. */
function tinyConfig(): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'model.context=256',
    'data.trainSize=30',
    'rl.questionsPerStep=2',
    'rl.groupSize=3',
    'rl.maxNewTokens=24',
    'sft.steps=6',
    'sft.warmupSteps=0',
    'sft.lr=0.02',
    'rl.steps=5',
    'rl.checkpointEvery=2',
    'rl.klBeta=0.05',
    'thinktuning.schedule="constant"',
    'thinktuning.initialRate=0.5',
    'thinktuning.offThreshold=0',
  ])
    c = applyOverride(c, s);
  return c;
}

/** A command without its id (distributed over the union). */
type Outgoing = WorkerCommand extends infer C
  ? C extends { id: number }
    ? Omit<C, 'id'>
    : never
  : never;

const WRITES = new Set([
  'appendMetrics',
  'appendSftMetrics',
  'putTrajectories',
  'writeCheckpoint',
  'updateRun',
]);

/**
 * A session over a store on `factory`. From the metrics event of step `freezeAt` on, every
 * write hangs forever, as if the tab were closed then: what was saved before stays, nothing
 * after lands.
 */
function session(factory: IDBFactory, freezeAt = Infinity) {
  const events: WorkerEvent[] = [];
  let frozen = false;
  const s = new LabSession({
    post: (e) => {
      events.push(e);
      if (e.type === 'metrics' && e.step >= freezeAt) frozen = true;
    },
    selectBackend: async () => ({ backend: 'wasm', adapter: null, reason: 'test' }),
    openRunStore: async () => {
      const store = await RunStore.open({ indexedDB: factory });
      return new Proxy(store, {
        get(target, key, receiver) {
          const v = Reflect.get(target, key, receiver);
          if (typeof v !== 'function') return v;
          if (WRITES.has(String(key)))
            return (...args: unknown[]) => (frozen ? new Promise(() => {}) : v.apply(target, args));
          return v.bind(target);
        },
      });
    },
  });
  let id = 1;
  const send = (cmd: Outgoing) => s.handle({ ...cmd, id: id++ } as WorkerCommand);
  return { s, events, send };
}

const withoutTiming = (m: StepMetrics) =>
  Object.fromEntries(
    Object.entries(m).filter(
      ([k]) => !k.startsWith('timing/') && !k.startsWith('throughput/') && k !== 'step_time',
    ),
  );
const metricsOf = (events: WorkerEvent[]) =>
  events.flatMap((e) => (e.type === 'metrics' ? [withoutTiming(e.metrics)] : []));
const errorsOf = (events: WorkerEvent[]) =>
  events.flatMap((e) =>
    e.type === 'error' || (e.type === 'log' && e.level === 'warn') ? [e] : [],
  );

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('saved runs in the worker session', () => {
  it('a run cut off after step 3 resumes from its step-2 checkpoint and ends as an uninterrupted run', async () => {
    const config = tinyConfig();
    const extras = { prompt: null };

    // Reference: one uninterrupted run.
    const ref = session(new IDBFactory());
    await ref.send({ type: 'init', backend: 'wasm' });
    await ref.send({ type: 'start', config, extras, paused: false });
    await ref.s.runDone();
    const expected = metricsOf(ref.events);
    expect(expected.map((m) => m.step)).toEqual([1, 2, 3, 4, 5]);
    expect(errorsOf(ref.events)).toEqual([]);

    // The page dies while saving step 4: rows 1-3 are saved, the last checkpoint is step 2's.
    const factory = new IDBFactory();
    const first = session(factory, 4);
    await first.send({ type: 'init', backend: 'wasm' });
    await first.send({ type: 'start', config, extras, paused: false });
    await until(() => metricsOf(first.events).length >= 4);
    const runId = first.events.find((e) => e.type === 'run-started')!;
    if (runId.type !== 'run-started' || !runId.runId) throw new Error('no saved run id');

    // Reload: a new session on the same storage lists the run as interrupted at step 2.
    const second = session(factory);
    await second.send({ type: 'init', backend: 'wasm' });
    await second.send({ type: 'list-runs' });
    const listed = second.events.find((e) => e.type === 'runs');
    if (listed?.type !== 'runs') throw new Error('no run list');
    expect(listed.runs).toHaveLength(1);
    expect(listed.runs[0]).toMatchObject({
      id: runId.runId,
      status: 'interrupted',
      step: 3,
      sftStep: 6,
      backend: 'wasm',
    });
    expect(listed.runs[0].checkpoint?.step).toBe(2);

    await second.send({ type: 'resume-run', runId: runId.runId, extras });
    const restored = second.events.find((e) => e.type === 'run-restored');
    if (restored?.type !== 'run-restored') throw new Error('no run-restored event');
    expect(restored.history.map(withoutTiming)).toEqual(expected.slice(0, 2));
    expect(restored.sftHistory).toHaveLength(6);
    await second.s.runDone();
    expect(metricsOf(second.events)).toEqual(expected.slice(2));
    expect(errorsOf(second.events)).toEqual([]);

    // The saved run now holds the whole history, once each step, and is finished.
    const store = await RunStore.open({ indexedDB: factory });
    expect((await store.loadMetrics(runId.runId)).map(withoutTiming)).toEqual(expected);
    const saved = (await store.getRun(runId.runId))!;
    expect(saved).toMatchObject({ status: 'finished', step: 5 });
    expect(saved.checkpoint?.step).toBe(5);
    expect((await store.loadTrajectories(runId.runId)).map((t) => t.step)).toEqual([1, 2, 3, 4, 5]);
  }, 180_000);

  it('rename, export, delete and import through the protocol; deleting the training run is refused', async () => {
    const factory = new IDBFactory();
    const { s, events, send } = session(factory);
    await send({ type: 'init', backend: 'wasm' });
    const config = applyOverride(applyOverride(tinyConfig(), 'rl.steps=2'), 'sft.steps=0');
    await send({ type: 'start', config, extras: { prompt: null }, paused: false });
    const started = events.find((e) => e.type === 'run-started');
    if (started?.type !== 'run-started' || !started.runId) throw new Error('no saved run');
    await send({ type: 'delete-run', runId: started.runId });
    expect(events.at(-1)).toMatchObject({ type: 'error', message: /stop it before deleting it/ });
    await s.runDone();
    await send({ type: 'rename-run', runId: started.runId, name: 'baseline' });
    await send({ type: 'export-run', runId: started.runId });
    const bundle = events.find((e) => e.type === 'run-bundle');
    if (bundle?.type !== 'run-bundle') throw new Error('no bundle');
    expect(bundle.filename).toBe('baseline-step2.zip');
    await send({ type: 'delete-run', runId: started.runId });
    await send({ type: 'import-run', bytes: bundle.bytes, filename: bundle.filename });
    const last = events.filter((e) => e.type === 'runs').at(-1);
    if (last?.type !== 'runs') throw new Error('no run list');
    expect(last.runs.map((r) => [r.name, r.status, r.step, r.checkpoint?.step])).toEqual([
      ['baseline', 'finished', 2, 2],
    ]);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
  }, 120_000);

  it('warns once before checkpoints fill storage; a failed save is a warning, never a crash', async () => {
    const store = await RunStore.open({ indexedDB: new IDBFactory() });
    const events: WorkerEvent[] = [];
    const lib = new RunLibrary(
      store,
      (e) => events.push(e),
      async () => ({
        usage: 100,
        quota: 100_000,
        warn: false,
      }),
    );
    const rec = await lib.begin(tinyConfig(), 'q', 'wasm');
    const files = (n: number) => async () => ({
      'model.safetensors': new Uint8Array(n).fill(n % 251),
      'config.json': JSON.stringify({ model: {}, run: tinyConfig(), step: 1 }),
      'tokenizer.json': '{}',
    });
    await rec.checkpoint(1, files(1000)); // ~4% of the quota with config.json: quiet
    await rec.checkpoint(2, files(80_000)); // ~83%: warned
    await rec.checkpoint(3, files(80_001)); // warned already
    const warns = events.flatMap((e) =>
      e.type === 'log' && e.level === 'warn' ? [e.message] : [],
    );
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatch(
      /^Browser storage will be 8\d% full after this checkpoint .*export and delete old runs/,
    );
    expect((await store.getRun(rec.runId))!.checkpoint?.step).toBe(3);

    await store.deleteRun(rec.runId); // the record is gone: every save now fails
    await rec.step({ metrics: { step: 4 }, trajectories: [], teacherFailures: {}, notes: [] }, 4);
    expect(events.at(-1)).toMatchObject({
      type: 'log',
      level: 'warn',
      message: expect.stringMatching(
        /^Saving the run failed \(step 4\): No saved run .* Training goes on/,
      ),
    });
  });
});
