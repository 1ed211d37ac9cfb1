import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type StageSummary } from '../../contract/stages';
import { applyOverride, type RunConfig } from '../../contract/config';
import { TransformerModel } from '../model/transformer';
import { presetConfig } from '../../contract/presets';
import { buildTokenizer } from '../student';
import { generateProblems } from '../tasks/generated';
import { buildTeacher } from '../teacher/build';
import { RlTrainer } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const items = generateProblems({ seed: 3, count: 20, levels: [1], split: 'train' });

function config(): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'model.context=256',
    'rl.questionsPerStep=2',
    'rl.groupSize=3',
    'rl.maxNewTokens=8',
    'rl.algo="thinktuning"',
    'thinktuning.schedule="constant"',
    'thinktuning.initialRate=1',
    'thinktuning.offThreshold=0',
  ])
    c = applyOverride(c, s);
  return c;
}

function trainer(c: RunConfig) {
  const tok = buildTokenizer(c, items);
  const model = TransformerModel.create({ ...c.model, vocab: tok.vocabSize }, c.seed);
  return new RlTrainer({
    config: c,
    model,
    tokenizer: tok,
    trainItems: items,
    teacher: buildTeacher(c),
  });
}

describe('step-through stages', () => {
  it('one step posts the eight stages in order, each awaited, with the step’s own numbers', async () => {
    const c = config();
    const seen: StageSummary[] = [];
    const t = trainer(c);
    let inStage = false;
    const r = await t.runStep({
      onStage: async (s) => {
        expect(inStage).toBe(false); // awaited: the step does not go on meanwhile
        inStage = true;
        await new Promise((res) => setTimeout(res, 1));
        seen.push(structuredClone(s)); // serialisable
        inStage = false;
      },
    });
    expect(seen.map((s) => s.stage)).toEqual([...STAGES]);
    expect(seen.every((s) => s.step === 1)).toBe(true);
    const byIndex = (g: number, i: number) =>
      r.trajectories.find((x) => x.group === g && x.index === i)!;
    // Rewards and advantages shown are the step's trajectories' (after guidance).
    const adv = seen.find((s) => s.stage === 'advantages')!;
    for (const row of adv.rollouts) {
      expect(row.reward).toBeCloseTo(byIndex(row.group, row.index).reward, 12);
      expect(row.advantage).toBeCloseTo(byIndex(row.group, row.index).advantage, 12);
    }
    // Group mean = (1/G) Σ r_i over the group's rewards.
    for (const g of adv.groups!) {
      const rs = r.trajectories.filter((x) => x.group === g.group).map((x) => x.reward);
      expect(g.mean).toBeCloseTo(rs.reduce((a, b) => a + b, 0) / rs.length, 12);
    }
    const upd = seen.find((s) => s.stage === 'update')!;
    expect(upd.numbers.grad_norm).toBe(r.metrics.grad_norm);
    expect(upd.numbers.reward).toBe(r.metrics.reward);
    const loss = seen.find((s) => s.stage === 'loss')!;
    if ((r.metrics['update/count'] ?? 0) > 0)
      expect(loss.numbers['loss/total']).toBe(r.metrics.loss);
    // Rate 1: every eligible rollout is selected; guided ones show their teacher tokens.
    const guided = seen.find((s) => s.stage === 'guided')!;
    expect(guided.numbers.guided).toBe(r.trajectories.filter((x) => x.guided).length);
  });

  it('without onStage the step equals a step-through step (same code, same numbers)', async () => {
    const a = await trainer(config()).runStep();
    const b = await trainer(config()).runStep({ onStage: () => undefined });
    expect(b.metrics.reward).toBe(a.metrics.reward);
    expect(b.metrics.loss).toBe(a.metrics.loss);
    expect(b.trajectories.map((x) => x.advantage)).toEqual(a.trajectories.map((x) => x.advantage));
  });
});
