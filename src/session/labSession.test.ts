/** LabSession in Node on WASM: the worker's state machine without a worker. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../contract/config';
import type { Trajectory } from '../contract/loopRecords';
import { presetConfig } from '../contract/presets';
import { buildTokenizer, loadItems } from '../engine/eval/sources';
import { LabSession } from './labSession';
import type { WorkerCommand, WorkerEvent } from './protocol';

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

/** The e2e tests' tiny run: a 1-layer d=16 student, 2 questions x 3 rollouts. */
function tinyConfig(patch: string[] = []): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'model.context=256',
    'data.trainSize=50',
    'rl.questionsPerStep=2',
    'rl.groupSize=3',
    'rl.maxNewTokens=32',
    'sft.steps=20',
    'sft.warmupSteps=0',
    'sft.lr=0.02',
    'rl.steps=3',
    'thinktuning.schedule="constant"',
    'thinktuning.initialRate=0.5',
    'thinktuning.offThreshold=0',
    ...patch,
  ])
    c = applyOverride(c, s);
  return c;
}

function harness(fetchImpl?: typeof fetch) {
  const events: WorkerEvent[] = [];
  let id = 1;
  const session = new LabSession({
    post: (e) => events.push(e),
    selectBackend: async () => ({ backend: 'wasm', adapter: null, reason: 'test' }),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
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

describe('LabSession runs', () => {
  it('trains step by step; pause holds, step once advances one step, resume finishes', async () => {
    const h = harness();
    await h.send({ type: 'init', backend: 'wasm' });
    await h.send({
      type: 'start',
      config: tinyConfig(['sft.steps=2']),
      extras: { prompt: null },
      paused: true,
    });
    // Paused from the start with one step permitted: exactly one SFT step, then it waits.
    await h.until(() => h.of('sft-metrics').length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.of('sft-metrics').flatMap((e) => e.metrics)).toHaveLength(1);
    expect(h.of('progress').at(-1)!.progress.status).toBe('paused');
    await h.send({ type: 'step' }); // SFT step 2
    await h.send({ type: 'step' }); // RL step 1
    await h.until(() => h.of('metrics').length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.of('metrics')).toHaveLength(1);
    // Sampling works while paused (from the run's student).
    await h.send({
      type: 'sample',
      params: { prompt: 'Hi', n: 2, maxNewTokens: 4, temperature: 1, topP: 1, seed: 1 },
    });
    expect(h.of('samples')).toHaveLength(1);
    await h.send({ type: 'resume' });
    await h.session.runDone();
    expect(h.of('metrics').map((e) => e.step)).toEqual([1, 2, 3]);
    const last = h.of('progress').at(-1)!.progress;
    expect(last.status).toBe('done');
    expect(last.step).toBe(3);
    expect(h.of('error')).toEqual([]);
  });

  it('evaluates greedily on held-out questions every rl.evalEvery steps (eval/* metrics)', async () => {
    const h = harness();
    await h.send({ type: 'init', backend: 'wasm' });
    const c = tinyConfig(['sft.steps=0', 'rl.steps=4', 'rl.evalEvery=2', 'eval.size=8']);
    await h.send({ type: 'start', config: c, extras: { prompt: null }, paused: false });
    await h.session.runDone();
    const rows = h.of('metrics').map((e) => e.metrics);
    expect(rows.map((m) => 'eval/accuracy' in m)).toEqual([false, true, false, true]);
    for (const m of [rows[1], rows[3]]) {
      expect(m['eval/accuracy']).toBeGreaterThanOrEqual(0);
      expect(m['eval/accuracy']).toBeLessThanOrEqual(1);
      expect(m['eval/mean_length']).toBeGreaterThan(0);
      expect('eval/catchphrase_rate' in m).toBe(false); // no catchphrase configured
    }
    const off = harness();
    await off.send({ type: 'init', backend: 'wasm' });
    await off.send({
      type: 'start',
      config: tinyConfig(['sft.steps=0', 'rl.steps=2', 'rl.evalEvery=0']),
      extras: { prompt: null },
      paused: false,
    });
    await off.session.runDone();
    expect(off.of('metrics').some((e) => 'eval/accuracy' in e.metrics)).toBe(false);
  });

  it('keeps each step, inspects and exports it as JSONL with the same advantages', async () => {
    const h = harness();
    await h.send({ type: 'init', backend: 'wasm' });
    await h.send({ type: 'start', config: tinyConfig(), extras: { prompt: null }, paused: false });
    await h.session.runDone();
    const pushed = h.of('trajectories');
    expect(pushed.map((e) => e.step)).toEqual([1, 2, 3]);
    // One numbering: a step's rollouts carry the step the page and metrics.jsonl count (from 1).
    for (const e of pushed)
      expect(new Set(e.trajectories.map((t) => t.step))).toEqual(new Set([e.step]));
    expect(pushed.some((e) => e.trajectories.some((t) => t.guided))).toBe(true);
    await h.send({ type: 'inspect', step: 2 });
    const answer = h.of('trajectories').at(-1)!;
    expect(answer.id).not.toBeNull();
    expect(answer.trajectories).toEqual(pushed[1].trajectories);
    await h.send({ type: 'export', step: 2 });
    const exported = h.of('exported')[0];
    expect(exported.steps).toEqual([2]);
    expect(exported.filename).toMatch(/-step2\.jsonl$/);
    const rows = exported.jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Trajectory);
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => r.step)).toEqual(Array(6).fill(2));
    expect(rows.map((r) => r.tokens.map((t) => t.advantage))).toEqual(
      pushed[1].trajectories.map((r) => r.tokens.map((t) => t.advantage)),
    );
    await h.send({ type: 'inspect', step: 99 });
    expect(h.of('error').at(-1)!.message).toMatch(
      /Step 99 is not kept: the worker keeps steps 1–3/,
    );
  });

  it('applies live changes, reports those that need a restart, and stops', async () => {
    const h = harness();
    await h.send({ type: 'init', backend: 'wasm' });
    const c = tinyConfig(['sft.steps=0', 'rl.steps=50']);
    await h.send({ type: 'start', config: c, extras: { prompt: null }, paused: true });
    await h.send({
      type: 'update-config',
      config: applyOverride(applyOverride(c, 'rl.lr=0.01'), 'model.dModel=32'),
    });
    const applied = h.of('config-applied')[0];
    expect(applied.applied).toEqual(['rl.lr']);
    expect(applied.needsRestart).toEqual(['model.dModel']);
    await h.send({ type: 'resume' });
    await h.until(() => h.of('metrics').length >= 1);
    await h.send({ type: 'stop' });
    await h.session.runDone();
    expect(h.of('progress').at(-1)!.progress.status).toBe('stopped');
    expect(h.of('metrics').length).toBeLessThan(50);
    expect(h.of('metrics')[0].metrics.learning_rate).toBeCloseTo(0.01);
  });

  it('counts a char tokenizer’s vocabulary for the Model panel before Start (plan-student)', async () => {
    const h = harness();
    const c = applyOverride(applyOverride(presetConfig('lab'), 'data.trainSize=300'), 'seed=3');
    await h.send({ type: 'plan-student', config: c, key: 'k1' });
    const { items } = await loadItems(c.data, 'train');
    expect(h.of('student-plan')).toEqual([
      { type: 'student-plan', id: 1, key: 'k1', vocab: buildTokenizer(c, items).vocabSize },
    ]);
    await h.send({ type: 'plan-student', config: presetConfig('tiny'), key: 'k2' });
    expect(h.of('student-plan')[1].vocab).toBe(presetConfig('tiny').tokenizer.vocabSize);
  });

  it('acknowledges a stop during a rollout at once and cuts the rollout between decoding steps', async () => {
    const h = harness();
    await h.send({ type: 'init', backend: 'wasm' });
    // An untrained student rarely ends with EOS: left alone, its rollouts run to 200 tokens.
    const c = tinyConfig(['sft.steps=0', 'rl.steps=5', 'rl.maxNewTokens=200', 'rl.algo="grpo"']);
    await h.send({ type: 'start', config: c, extras: { prompt: null }, paused: false });
    // The test's own polling runs only when the worker's code lets the event loop turn.
    await h.until(() => h.of('progress').some((e) => e.progress.phase === 'rollout'));
    await h.send({ type: 'stop' });
    await h.session.runDone();
    const order = h.events.filter((e) => e.type === 'metrics' || e.type === 'progress');
    const stopping = order.findIndex(
      (e) => e.type === 'progress' && e.progress.status === 'stopping',
    );
    const firstMetrics = order.findIndex((e) => e.type === 'metrics');
    expect(stopping).toBeGreaterThanOrEqual(0);
    // Acknowledged before the step in flight finished, not after it.
    expect(firstMetrics === -1 || stopping < firstMetrics).toBe(true);
    const metrics = h.of('metrics');
    expect(metrics.length).toBeLessThanOrEqual(1);
    // The rollout was cut: no response reached the 200-token limit.
    if (metrics[0]) expect(metrics[0].metrics['completions/max_length']).toBeLessThan(200);
    expect(h.of('progress').at(-1)!.progress.status).toBe('stopped');
  });

  it('a failing HTTP teacher is reported in the step notes and the run continues', async () => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls++;
      return new Response('{"error":"boom"}', { status: 500 });
    };
    const h = harness(failing);
    await h.send({ type: 'init', backend: 'wasm' });
    const c = tinyConfig([
      'teacher.kind="http"',
      'teacher.baseURL="http://127.0.0.1:9/v1"',
      'teacher.retries=0',
    ]);
    await h.send({ type: 'start', config: c, extras: { prompt: null }, paused: false });
    await h.session.runDone();
    const metrics = h.of('metrics');
    expect(metrics).toHaveLength(3);
    expect(calls).toBeGreaterThan(0);
    const notes = metrics.flatMap((m) => m.notes);
    expect(notes.some((n) => /server_error/.test(n) && /500/.test(n))).toBe(true);
    expect(metrics.some((m) => (m.teacherFailures.server_error ?? 0) > 0)).toBe(true);
    await h.send({
      type: 'test-connection',
      settings: { teacher: c.teacher, prompt: null },
    });
    const report = h.of('connection')[0].report;
    expect(report.ok).toBe(false);
    expect(report.summary).toMatch(/500/);
  });
});
