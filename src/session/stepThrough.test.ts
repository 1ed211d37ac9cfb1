/** Step-through mode in LabSession (Node, WASM): stages wait for stage-next; stop releases. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '../contract/stages';
import { applyOverride, type RunConfig } from '../contract/config';
import { presetConfig } from '../contract/presets';
import { LabSession } from './labSession';
import type { WorkerCommand, WorkerEvent } from './protocol';

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

function tinyConfig(): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'model.context=256',
    'data.trainSize=20',
    'rl.questionsPerStep=2',
    'rl.groupSize=3',
    'rl.maxNewTokens=8',
    'sft.steps=0',
    'rl.steps=3',
  ])
    c = applyOverride(c, s);
  return c;
}

describe('step-through mode', () => {
  it('each stage waits for stage-next; the step ends after the eighth; stop releases a wait', async () => {
    const events: WorkerEvent[] = [];
    let id = 1;
    const session = new LabSession({
      post: (e) => events.push(e),
      selectBackend: async () => ({ backend: 'wasm', adapter: null, reason: 'test' }),
    });
    const send = (c: Record<string, unknown>) =>
      session.handle({ ...c, id: id++ } as unknown as WorkerCommand);
    const stages = () =>
      events.filter((e): e is Extract<WorkerEvent, { type: 'stage' }> => e.type === 'stage');
    const waiting = () => stages().filter((e) => e.waiting);
    const until = async (pred: () => boolean) => {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > 60_000) throw new Error('timed out waiting');
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await send({ type: 'init', backend: 'wasm' });
    await send({ type: 'stage-mode', on: true });
    await send({ type: 'start', config: tinyConfig(), extras: { prompt: null }, paused: true });
    for (let k = 0; k < STAGES.length; k++) {
      await until(() => waiting().length === k + 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(waiting().length).toBe(k + 1); // held: no further stage without stage-next
      expect(waiting()[k].stage.stage).toBe(STAGES[k]);
      expect(events.some((e) => e.type === 'metrics')).toBe(false);
      await send({ type: 'stage-next' });
    }
    await until(() => events.some((e) => e.type === 'metrics'));
    // Step once from a paused start: the run waits after step 1; step again: stage 1 of step 2.
    await send({ type: 'step' });
    await until(() => waiting().length === STAGES.length + 1);
    expect(waiting().at(-1)!.stage).toMatchObject({ stage: 'sample', step: 2 });
    await send({ type: 'stop' });
    await session.runDone();
    expect(events.filter((e) => e.type === 'metrics').length).toBeGreaterThanOrEqual(1);
  });
});
