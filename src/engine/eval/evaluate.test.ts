import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformerModel } from '../model/transformer';
import { solutionText } from '../sft/examples';
import { generateProblems } from '../tasks/generated';
import { trainTokenizer } from '../tokenizer';
import { evaluate, type EvaluateOptions } from './evaluate';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const items = generateProblems({ seed: 3, count: 5, levels: [1], split: 'eval' });
const tok = trainTokenizer('char', items.map((i) => i.prompt + solutionText(i)).join('\n'));
const opts: EvaluateOptions = {
  suffix: '',
  maxNewTokens: 12,
  greedy: true,
  samples: 2,
  temperature: 1,
  seed: 7,
  batchSize: 4,
  catchphrase: 'Vijay',
};

describe('evaluate', () => {
  it('gives numbers in range, one record per response, and is reproducible', async () => {
    const model = TransformerModel.create(
      { vocab: tok.vocabSize, dModel: 16, layers: 1, heads: 2, context: 256, mlpRatio: 2 },
      1,
    );
    const a = await evaluate(model, tok, items, opts);
    const b = await evaluate(model, tok, items, opts);
    model.dispose();
    expect(a.records).toHaveLength(items.length * 3);
    expect(a.records.slice(0, 3).map((r) => [r.id, r.mode, r.sample])).toEqual([
      [items[0].id, 'greedy', 0],
      [items[0].id, 'sample', 0],
      [items[0].id, 'sample', 1],
    ]);
    for (const s of [a.greedy!, a.sampled!]) {
      for (const v of [s.accuracy, s.formatRate, s.reflectionRate, s.catchphraseRate!]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(s.meanTokens).toBeGreaterThan(0);
      expect(s.meanTokens).toBeLessThanOrEqual(opts.maxNewTokens);
    }
    expect(a.greedyAccuracy).toBe(a.greedy!.accuracy);
    expect(a.passAt1).toBe(a.sampled!.accuracy);
    expect(a.skippedTooLong).toBe(0);
    expect(b).toEqual(a);
  });

  it('counts prompts longer than the context as skipped and wrong', async () => {
    const model = TransformerModel.create(
      { vocab: tok.vocabSize, dModel: 16, layers: 1, heads: 2, context: 16, mlpRatio: 2 },
      1,
    );
    const r = await evaluate(model, tok, items.slice(0, 2), { ...opts, samples: 0 });
    model.dispose();
    expect(r.skippedTooLong).toBe(2);
    expect(r.greedyAccuracy).toBe(0);
    expect(r.passAt1).toBeNull();
    expect(r.records.every((x) => x.skipped)).toBe(true);
  });
});
