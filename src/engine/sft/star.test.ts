import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../../contract/config';
import { buildTokenizer } from '../eval/sources';
import { presetConfig } from '../../contract/presets';
import { createStudent } from '../student';
import { generateProblems } from '../tasks/generated';
import { starIterationSteps } from '../../contract/budget';
import { runStar, selectStarExamples, type StarSample } from './star';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const s = (itemId: string, response: number[], correct: boolean, finished = true): StarSample => ({
  itemId,
  prompt: [1, 2],
  response,
  finished,
  correct,
});

describe('STaR selection', () => {
  it('keeps correct answers that ended with EOS, drops duplicates, caps per question', () => {
    const sel = selectStarExamples(
      [
        s('q1', [5, 9], true), // kept
        s('q1', [5, 9], true), // duplicate of the first
        s('q1', [6, 9], false), // wrong
        s('q1', [7, 9], true, false), // right but cut off before EOS
        s('q2', [8, 9], true), // kept
        s('q1', [4, 9], true), // kept (second distinct answer to q1)
        s('q1', [3, 9], true), // over the cap of 2 for q1
      ],
      2,
    );
    expect(sel.examples).toEqual([
      { prompt: [1, 2], completion: [5, 9] },
      { prompt: [1, 2], completion: [8, 9] },
      { prompt: [1, 2], completion: [4, 9] },
    ]);
    // correct && finished: [5,9] x2, [8,9], [4,9], [3,9]
    expect(sel.correct).toBe(5);
    expect(sel.duplicates).toBe(1);
    expect(sel.questionsSolved).toBe(2);
  });

  it('keeps nothing when nothing is right', () => {
    const sel = selectStarExamples([s('q1', [1], false), s('q2', [2], true, false)]);
    expect(sel).toEqual({ examples: [], correct: 0, duplicates: 0, questionsSolved: 0 });
  });

  it('splits the updates over the iterations, earlier ones taking the remainder', () => {
    expect(starIterationSteps(10, 4)).toEqual([3, 3, 2, 2]);
    expect(starIterationSteps(20, 4)).toEqual([5, 5, 5, 5]);
    expect(starIterationSteps(2, 4)).toEqual([1, 1]); // never an iteration without an update
    expect(starIterationSteps(0, 4)).toEqual([0]);
    expect(() => starIterationSteps(5, 0)).toThrow(/iterations must be a whole number >= 1/);
    expect(() => starIterationSteps(-1, 2)).toThrow(/updates must be a whole number >= 0/);
  });
});

describe('runStar', () => {
  function micro(): RunConfig {
    let c = presetConfig('tiny');
    for (const a of [
      'model.dModel=16',
      'model.layers=1',
      'model.heads=2',
      'data.trainSize=30',
      'rl.questionsPerStep=2',
      'rl.groupSize=3',
      'rl.maxNewTokens=10',
    ])
      c = applyOverride(c, a);
    return c;
  }

  /** A fresh student whose EOS logit is raised (loop.test's trick), so samples finish. */
  function eosLeaning(c: RunConfig) {
    const items = generateProblems({ seed: 4, count: 30, levels: [1], split: 'train' });
    const tok = buildTokenizer(c, items);
    const model = createStudent(c, tok);
    const u = Array.from({ length: c.model.dModel }, (_, i) => (i % 2 ? 0.25 : -0.25));
    model.params.lnfb.assign(tf.tensor1d(u));
    const w = model.params.wte.arraySync() as number[][];
    w[tok.eosId] = w[tok.eosId].map((x, i) => x + 2 * u[i]);
    model.params.wte.assign(tf.tensor2d(w));
    return { items, tok, model };
  }

  it('samples B x G per update, fine-tunes on the kept answers only, and leaks no tensors', async () => {
    const c = micro();
    const { items, tok, model } = eosLeaning(c);
    const weights = async () => [...(await model.toArrays()).values()].map((a) => Array.from(a));
    const w0 = await weights();
    const before = tf.memory().numTensors;
    // Nothing right: no update at all.
    const none = await runStar(model, tok, items, {
      config: c,
      updates: 3,
      iterations: 2,
      lr: 1e-2,
      batchSize: 6,
      questionsPerUpdate: 2,
      seed: 1,
      grade: () => false,
    });
    expect(none.map((r) => r['star/iteration'])).toEqual([1, 2]);
    // iteration 1: 2 updates x 2 questions x G=3 samples; iteration 2: 1 x 2 x 3
    expect(none.map((r) => r['star/samples'])).toEqual([12, 6]);
    expect(none.map((r) => r['star/kept'])).toEqual([0, 0]);
    expect(none.map((r) => r.step)).toEqual([2, 3]); // the planned updates: the shared x axis
    expect(none.map((r) => r['star/updates'])).toEqual([0, 0]);
    expect(await weights()).toEqual(w0);
    // Every finished answer "right": the finished ones are kept (once per distinct answer) and
    // 2 + 1 updates change the weights.
    const all = await runStar(model, tok, items, {
      config: c,
      updates: 3,
      iterations: 2,
      lr: 1e-2,
      batchSize: 6,
      questionsPerUpdate: 2,
      seed: 1,
      grade: (_item, _text, finished) => finished,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(all.map((r) => r['star/updates'])).toEqual([2, 3]);
    expect(all[0]['star/kept']).toBeGreaterThan(0);
    expect(all[0]['star/kept']).toBeLessThanOrEqual(all[0]['star/samples']!);
    // k/n vs 1 - (n-k)/n: equal up to float rounding (7/12 vs 1 - 5/12 differ in the last bit)
    expect(all[0].accuracy).toBeCloseTo(1 - all[0]['completions/clipped_ratio']!, 12);
    expect(all[0].loss).toBeGreaterThan(0);
    expect(await weights()).not.toEqual(w0);
    model.dispose();
  });
});
