/**
 * Counterfactual replay on a real ThinkTuning step: the unedited replay reproduces the step's
 * records at the kept pre-update weights, edits change the advantages as the formula says, and
 * the run's student is left as it was.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CounterfactualResult } from '../../contract/counterfactual';
import { applyOverride } from '../../contract/config';
import { buildTeacher } from '../../engine/teacher/build';
import { RlTrainer } from '../../engine/loop/trainer';
import { TransformerModel } from '../../engine/model/transformer';
import { presetConfig } from '../../contract/presets';
import { buildTokenizer } from '../../engine/student';
import { generateProblems } from '../../engine/tasks/generated';
import { CounterfactualHost } from './counterfactualHost';
import type { WorkerEvent } from '../protocol';
import { TrajectoryStore } from '../trajectoryStore';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const items = generateProblems({ seed: 3, count: 40, levels: [1], split: 'train' });

describe('CounterfactualHost', () => {
  it('replays a kept step at its pre-update weights; an edited reward moves A as (r - mean)/(std + eps)', async () => {
    let c = presetConfig('tiny');
    for (const s of [
      'model.dModel=32',
      'model.layers=1',
      'model.heads=2',
      'model.context=512',
      'rl.questionsPerStep=2',
      'rl.groupSize=4',
      'rl.maxNewTokens=10',
      'rl.lr=0.05',
      'rl.algo="thinktuning"',
    ])
      c = applyOverride(c, s);
    const tok = buildTokenizer(c, items);
    const model = TransformerModel.create({ ...c.model, vocab: tok.vocabSize }, c.seed);
    const trainer = new RlTrainer({
      config: c,
      model,
      tokenizer: tok,
      trainItems: items,
      teacher: buildTeacher(c),
    });
    const store = new TrajectoryStore();
    const events: WorkerEvent[] = [];
    const host = new CounterfactualHost(() => ({
      post: (e) => events.push(e),
      store,
      config: c,
      model,
      tokenizer: tok,
    }));
    host.snapshot(1, 1, model);
    const start = Array.from(await model.variables()[0].data());
    const r = await trainer.runStep();
    store.add(1, r.trajectories);
    const before = await model.variables()[0].data();
    expect(Array.from(before)).not.toEqual(start); // the step moved the weights
    const tensors = tf.memory().numTensors;

    await host.replay(7, { step: 1, group: 0, edits: [] });
    const plain = events.pop() as Extract<WorkerEvent, { type: 'counterfactual' }>;
    expect(plain.error).toBeUndefined();
    const res = plain.result as CounterfactualResult;
    const recorded = r.trajectories.filter((t) => t.group === 0).sort((a, b) => a.index - b.index);
    res.original.rollouts.forEach((o, i) => {
      expect(o.reward).toBe(recorded[i].reward);
      expect(o.advantage).toBe(recorded[i].advantage);
      // log pi at the kept weights = the step's log pi_old (the weights have moved since: lr 0.05)
      o.tokens.forEach((k, j) =>
        expect(k.logprob).toBeCloseTo(recorded[i].tokens[j].oldLogprob, 4),
      );
    });
    expect(res.counterfactual).toEqual(res.original);

    // Override the rewards to [1, 0, 0, 0]: mean 0.25, std sqrt((0.5625 + 3*0.0625)/3) = 0.5
    await host.replay(8, {
      step: 1,
      group: 0,
      edits: [0, 1, 2, 3].map((index) => ({ index, reward: index === 0 ? 1 : 0 })),
    });
    const edited = (events.pop() as Extract<WorkerEvent, { type: 'counterfactual' }>).result!;
    expect(edited.counterfactual.groupMean).toBeCloseTo(0.25, 12);
    expect(edited.counterfactual.groupStd).toBeCloseTo(0.5, 12);
    const a = edited.counterfactual.rollouts.map((o) => o.advantage);
    [1.5, -0.5, -0.5, -0.5].forEach((x, i) => expect(a[i]).toBeCloseTo(x, 5)); // (r-0.25)/(0.5+1e-6)
    // every token of rollout 0 now has A = 1.5 (prefixCredit 'guided')
    expect(
      edited.counterfactual.rollouts[0].tokens.every((k) => Math.abs(k.advantage - a[0]) < 1e-9),
    ).toBe(true);

    // Guide rollout #2 with the right answer: the reward is recomputed by the reward function
    // and the teacher's tokens get the shaped (or dropped) term.
    const t1 = recorded[1];
    await host.replay(10, {
      step: 1,
      group: 0,
      edits: [
        {
          index: 1,
          guided: true,
          reason: 'Check it.',
          phrase: `The answer is \\boxed{${t1.answer}}.`,
        },
      ],
    });
    const guided = (events.pop() as Extract<WorkerEvent, { type: 'counterfactual' }>).result!;
    const g1 = guided.counterfactual.rollouts[1];
    expect(g1.guided).toBe(true);
    expect(g1.response.endsWith(`The answer is \\boxed{${t1.answer}}.`)).toBe(true);
    expect(g1.correct).toBe(true);
    expect(g1.rewardSource).toBe('recomputed');
    const phrase = g1.tokens.filter((k) => k.part === 'phrase');
    expect(phrase.length).toBeGreaterThan(0);
    expect(phrase.every((k) => k.offPolicy && ['shaped', 'dropped'].includes(k.branch))).toBe(true);
    expect(tf.memory().numTensors).toBe(tensors); // no tensor leaks
    // the run's student is untouched
    expect(Array.from(await model.variables()[0].data())).toEqual(Array.from(before));
    // a step without kept weights is answered with a message naming the kept ones
    store.add(2, r.trajectories);
    await host.replay(9, { step: 2, group: 0, edits: [] });
    expect((events.pop() as { error?: string }).error).toMatch(/no longer kept.*steps 1–1/);
    host.clear();
    trainer.dispose();
    model.dispose();
  });
});
