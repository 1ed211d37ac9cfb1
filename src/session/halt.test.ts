/**
 * A run in the session pauses itself after rl.maxNonFiniteSteps non-finite steps in a row: the
 * worker posts `run-halted` with the advice and a paused progress; Resume trains on.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { applyOverride, type RunConfig } from '../contract/config';
import { presetConfig } from '../contract/presets';
import { LabSession } from './labSession';
import type { WorkerCommand, WorkerEvent } from './protocol';

/** When on, every advantage the trainer computes is NaN (a poisoned advantage). */
const poison = vi.hoisted(() => ({ on: true }));
vi.mock('../engine/rl/advantages', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../engine/rl/advantages')>();
  return {
    ...mod,
    computeAdvantages: (...args: Parameters<typeof mod.computeAdvantages>) => {
      const r = mod.computeAdvantages(...args);
      return poison.on ? { ...r, advantages: r.advantages.map(() => Number.NaN) } : r;
    },
  };
});

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

function microConfig(): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'data.trainSize=20',
    'tokenizer.kind="char"',
    'sft.steps=0',
    'rl.algo="grpo"',
    'rl.questionsPerStep=2',
    'rl.groupSize=2',
    'rl.maxNewTokens=8',
    'rl.steps=6',
    'rl.maxNonFiniteSteps=2',
  ])
    c = applyOverride(c, s);
  return c;
}

describe('non-finite steps in the session', () => {
  it('pause the run with the advice; resume goes on', async () => {
    const events: WorkerEvent[] = [];
    let id = 1;
    const session = new LabSession({
      post: (e) => events.push(e),
      selectBackend: async () => ({ backend: 'wasm', adapter: null, reason: 'test' }),
    });
    const send = (c: Record<string, unknown>) =>
      session.handle({ ...c, id: id++ } as unknown as WorkerCommand);
    const until = async (pred: () => boolean) => {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > 60_000) throw new Error('timed out waiting');
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const halts = () => events.filter((e) => e.type === 'run-halted');
    const lastProgress = () =>
      events.filter((e) => e.type === 'progress').at(-1) as Extract<
        WorkerEvent,
        { type: 'progress' }
      >;

    await send({ type: 'init', backend: 'wasm' });
    await send({ type: 'start', config: microConfig(), extras: { prompt: null }, paused: false });
    await until(() => halts().length === 1 && lastProgress()?.progress.waiting === true);
    const halt = halts()[0] as Extract<WorkerEvent, { type: 'run-halted' }>;
    expect(halt.halt).toMatchObject({ reason: 'non-finite', step: 2, lastGoodStep: 0 });
    expect(halt.halt.message).toMatch(/2 steps in a row.*lower rl\.lr \(now/);
    expect(lastProgress().progress).toMatchObject({ status: 'paused', step: 2 });
    expect(
      events.some(
        (e) => e.type === 'log' && e.level === 'warn' && /steps in a row/.test(e.message),
      ),
    ).toBe(true);

    poison.on = false;
    await send({ type: 'resume' });
    await session.runDone();
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(lastProgress().progress).toMatchObject({ status: 'done', step: 6 });
    const metrics = events.filter((e) => e.type === 'metrics') as Array<
      Extract<WorkerEvent, { type: 'metrics' }>
    >;
    expect(metrics.map((m) => m.metrics['numerics/nonfinite_streak'])).toEqual([1, 2, 0, 0, 0, 0]);
    expect(halts()).toHaveLength(1);
    session.dispose();
  });
});
