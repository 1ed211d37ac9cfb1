/**
 * The run driver's schedule, tested once for every host (the worker session, the CLI's train
 * and pretrained commands, the comparison's RL arms): when it evaluates, when it checkpoints,
 * what the gate (pause / step once / stop), a stop and a halt do, and the warm-up.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../../contract/config';
import { presetConfig } from '../../contract/presets';
import { generateProblems } from '../tasks/generated';
import {
  checkpointDue,
  evalDue,
  RunDriver,
  runTraining,
  type RunHooks,
  type RunInputs,
} from './run';

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

const trainItems = generateProblems({ seed: 5, count: 6, levels: [1], split: 'train' });
const evalItems = generateProblems({ seed: 6, count: 2, levels: [1], split: 'eval' });

/** GRPO on a 1-layer scratch student, 2 questions x 2 rollouts of 6 tokens, no warm-up. */
function config(sets: string[] = []): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'sft.steps=0',
    'rl.algo="grpo"',
    'rl.questionsPerStep=2',
    'rl.groupSize=2',
    'rl.maxNewTokens=6',
    'eval.maxNewTokens=6',
    'rl.steps=5',
    'rl.evalEvery=2',
    'rl.checkpointEvery=2',
    ...sets,
  ])
    c = applyOverride(c, s);
  return c;
}

/** Runs `c` and records, in order, what the driver told its host. */
async function record(c: RunConfig, extra: RunHooks = {}, inputs: Partial<RunInputs> = {}) {
  const events: string[] = [];
  const out = await runTraining(
    { config: c, trainItems, teacher: null, evalItems, checkpointAtStart: true, ...inputs },
    {
      ...extra,
      onStep: (r, e) => void events.push(`step ${r.metrics.step}${e ? ' +eval' : ''}`),
      onEval: (step) => void events.push(`eval ${step}`),
      onCheckpoint: (step) => void events.push(`checkpoint ${step}`),
    },
  );
  out.model.dispose();
  return { events, steps: out.steps, lastEval: out.lastEval?.step ?? null };
}

describe('the run driver', () => {
  it('evaluates before the first step, every evalEvery steps and after the last; checkpoints likewise', async () => {
    // 5 steps, evalEvery 2, checkpointEvery 2: evaluations at 0, 2, 4, 5; checkpoints at 0
    // (checkpointAtStart), 2, 4, 5. A step's checkpoint comes before its evaluation's row.
    const { events, steps, lastEval } = await record(config());
    expect(steps).toBe(5);
    expect(lastEval).toBe(5);
    expect(events).toEqual([
      'checkpoint 0',
      'eval 0',
      'step 1',
      'step 2 +eval',
      'checkpoint 2',
      'eval 2',
      'step 3',
      'step 4 +eval',
      'checkpoint 4',
      'eval 4',
      'step 5 +eval',
      'checkpoint 5',
      'eval 5',
    ]);
    // the pure schedule the driver follows
    const c = config();
    expect([0, 1, 2, 3, 4, 5].filter((s) => evalDue(s, c))).toEqual([0, 2, 4, 5]);
    expect([1, 2, 3, 4, 5].filter((s) => checkpointDue(s, c))).toEqual([2, 4, 5]);
    expect(evalDue(0, config(['rl.evalEvery=0']))).toBe(false);
    expect(evalDue(0, config(['rl.steps=0']))).toBe(false);
    expect(
      [1, 2, 3].filter((s) => checkpointDue(s, config(['rl.checkpointEvery=0', 'rl.steps=3']))),
    ).toEqual([3]);
  }, 60_000);

  it('without evalAtStart or checkpointAtStart, the run starts with its first step', async () => {
    const c = config(['rl.steps=3', 'rl.checkpointEvery=0']);
    const { events } = await record(c, {}, { evalAtStart: false, checkpointAtStart: false });
    expect(events).toEqual([
      'step 1',
      'step 2 +eval',
      'eval 2',
      'step 3 +eval',
      'checkpoint 3',
      'eval 3',
    ]);
  }, 60_000);

  it('a gate that says no, or a stop, ends the run with a checkpoint of its last step', async () => {
    let gates = 0;
    // the gate lets 3 steps go: step 3 is neither an evaluation nor a checkpoint step
    const gated = await record(config(), { gate: () => ++gates <= 3 });
    expect(gated.steps).toBe(3);
    expect(gated.events.slice(-2)).toEqual(['step 3', 'checkpoint 3']);
    let updates = 0;
    const stopped = await record(config(['rl.evalEvery=0']), {
      shouldStop: () => updates >= 1,
      stepOptions: () => ({ onPhase: (p) => void (p === 'update' && updates++) }),
    });
    expect(stopped.events).toEqual(['checkpoint 0', 'step 1', 'checkpoint 1']);
    expect(stopped.steps).toBe(1);
    expect(stopped.lastEval).toBeNull();
  }, 60_000);

  it('a paused host waits in the gate (no step runs) and may checkpoint meanwhile, once a step', async () => {
    const c = config(['rl.steps=3', 'rl.evalEvery=0', 'rl.checkpointEvery=0']);
    const events: string[] = [];
    const driver: RunDriver = new RunDriver(
      { config: c, trainItems, teacher: null },
      {
        gate: async (phase) => {
          if (phase !== 'rollout' || driver.trainer?.step !== 1) return true;
          events.push('paused');
          await driver.checkpoint();
          await driver.checkpoint(); // a second one of the same step is not written
          await new Promise((r) => setTimeout(r, 20));
          events.push('resumed');
          return true;
        },
        onStep: (r) => void events.push(`step ${r.metrics.step}`),
        onCheckpoint: (step) => void events.push(`checkpoint ${step}`),
      },
    );
    const out = await driver.run();
    out.model.dispose();
    expect(events).toEqual([
      'step 1',
      'paused',
      'checkpoint 1',
      'resumed',
      'step 2',
      'step 3',
      'checkpoint 3',
    ]);
    expect(driver.trainer).toBeNull(); // disposed after the run
  }, 60_000);

  it('checkpoints after every step when the last one is older than maxCheckpointAgeMs', async () => {
    const c = config(['rl.steps=2', 'rl.evalEvery=0', 'rl.checkpointEvery=0']);
    const events: number[] = [];
    const out = await runTraining(
      { config: c, trainItems, teacher: null, maxCheckpointAgeMs: 0 },
      { onCheckpoint: (step) => void events.push(step) },
    );
    out.model.dispose();
    expect(events).toEqual([1, 2]); // no start checkpoint unless asked
  }, 60_000);

  it('a halt is checkpointed before the host hears of it; a host that ends there ends the run', async () => {
    // A NaN learning rate makes every update non-finite: maxNonFiniteSteps=2 halts at step 2.
    const c = config(['rl.evalEvery=0', 'rl.checkpointEvery=0', 'rl.maxNonFiniteSteps=2']);
    c.rl.lr = Number.NaN;
    let halted = false;
    const extra: RunHooks = { gate: () => !halted };
    const events: string[] = [];
    const out = await runTraining(
      { config: c, trainItems, teacher: null },
      {
        ...extra,
        onStep: (r) => void events.push(`step ${r.metrics.step}`),
        onCheckpoint: (step) => void events.push(`checkpoint ${step}`),
        onHalt: (h) => {
          halted = true;
          events.push(`halt ${h.step}`);
        },
      },
    );
    out.model.dispose();
    expect(events).toEqual(['step 1', 'step 2', 'checkpoint 2', 'halt 2']);
    expect(out.steps).toBe(2);
  }, 60_000);

  it('warms up a fresh student first, asking the gate before it and between its steps', async () => {
    const c = config(['sft.steps=2', 'rl.steps=1', 'rl.evalEvery=0']);
    const events: string[] = [];
    const out = await runTraining(
      { config: c, trainItems, teacher: null },
      {
        gate: (phase) => (events.push(`gate ${phase}`), true),
        onPhase: (p) => void events.push(p),
        onSftStep: (m) => void events.push(`sft ${m.step}`),
        onSftDone: (r) => void events.push(`sft done ${r.history.length}`),
        onStep: (r) => void events.push(`step ${r.metrics.step}`),
      },
    );
    expect(events).toEqual([
      'warm-up',
      'gate warm-up',
      'sft 1',
      'gate warm-up',
      'sft 2',
      'sft done 2',
      'gate rollout',
      'rollout',
      'step 1',
      'done',
    ]);
    // the same student, given as warmed up: no warm-up
    const again: string[] = [];
    const out2 = await runTraining(
      {
        config: c,
        trainItems,
        teacher: null,
        student: { model: out.model, tokenizer: out.tokenizer, warmedUp: true },
      },
      { onPhase: (p) => void again.push(p), onSftStep: () => void again.push('sft') },
    );
    expect(again).toEqual(['rollout', 'done']);
    expect(out2.model).toBe(out.model);
    out.model.dispose();
  }, 60_000);
});
