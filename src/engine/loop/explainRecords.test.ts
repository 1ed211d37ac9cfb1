/**
 * One real ThinkTuning step: every token record's explainer numbers agree with the record's own
 * ratio, weight and advantage, and the contributions add up to each mini-batch's loss.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride } from '../../contract/config';
import { TransformerModel } from '../model/transformer';
import { presetConfig } from '../../contract/presets';
import { buildTokenizer } from '../student';
import { generateProblems } from '../tasks/generated';
import { buildTeacher } from '../teacher/build';
import { RlTrainer } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const items = generateProblems({ seed: 3, count: 40, levels: [1], split: 'train' });

describe('per-token explainer records', () => {
  it('carry branch, loss term, share and the engine gradient dL/dlogp = -A w / count', async () => {
    let c = presetConfig('tiny');
    for (const s of [
      'model.dModel=32',
      'model.layers=1',
      'model.heads=2',
      'model.context=512',
      'rl.questionsPerStep=2',
      'rl.groupSize=4',
      'rl.maxNewTokens=10',
      'rl.miniBatches=2',
      'rl.algo="thinktuning"',
      'thinktuning.initialRate=1',
      'thinktuning.minRate=1',
    ])
      c = applyOverride(c, s);
    const tok = buildTokenizer(c, items);
    const model = TransformerModel.create({ ...c.model, vocab: tok.vocabSize }, c.seed);
    // Raise EOS's logit so rollouts finish and the teacher guides some (as loop.test.ts does):
    // logits = LN_f(x) @ wte^T; with ln_f bias u and wte[eos] += 2u, EOS gets ~2|u|^2 extra.
    const u = Array.from({ length: c.model.dModel }, (_, i) => (i % 2 ? 0.25 : -0.25));
    model.params.lnfb.assign(tf.tensor1d(u));
    const w = model.params.wte.arraySync() as number[][];
    w[tok.eosId] = w[tok.eosId].map((x, i) => x + 2 * u[i]);
    model.params.wte.assign(tf.tensor2d(w));
    const trainer = new RlTrainer({
      config: c,
      model,
      tokenizer: tok,
      trainItems: items,
      teacher: buildTeacher(c),
    });
    const r = await trainer.runStep();
    const sums = new Map<number, { sum: number; loss: number }>();
    let explained = 0;
    const branches = new Set<string>();
    for (const t of r.trajectories) {
      expect(t.explain?.groupRewards.length).toBe(4);
      const g = r.trajectories.filter((o) => o.group === t.group).map((o) => o.reward);
      expect(t.explain!.groupRewards).toEqual(g);
      for (const k of t.tokens) {
        const e = k.explain!;
        branches.add(e.branch);
        if (e.branch === 'not-in-loss') continue;
        explained++;
        expect(e.prob).toBeCloseTo(Math.exp(k.logprob), 5);
        // dL/dlogp of the aggregated loss = -A * w * aggWeight (no KL, no entropy term)
        expect(e.gradLogp).toBeCloseTo(-k.advantage * k.weight * e.aggWeight, 5);
        if (e.branch === 'ppo' && e.ppoCase === 'unclipped')
          expect(k.weight).toBeCloseTo(k.ratio, 4);
        if (e.branch === 'shaped') {
          expect(k.offPolicy).toBe(true);
          expect(k.weight).toBeCloseTo(e.prob / (e.prob + e.gamma!), 4); // p/(sg(p)+gamma)
        }
        const s = sums.get(e.miniBatch) ?? { sum: 0, loss: e.batchLoss };
        s.sum += e.contribution;
        sums.set(e.miniBatch, s);
      }
    }
    expect(explained).toBeGreaterThan(0);
    expect(branches.has('ppo') && branches.has('shaped')).toBe(true); // teacher tokens shaped
    expect(sums.size).toBe(2);
    for (const s of sums.values()) expect(s.sum).toBeCloseTo(s.loss, 4); // sum aggWeight*L = loss
    trainer.dispose();
    model.dispose();
  });
});
