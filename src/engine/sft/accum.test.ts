/** Gradient accumulation in runSft: k micro-batches give the same update as one full batch. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../contract/config';
import { buildTokenizer, loadItems } from '../eval/sources';
import { TransformerModel } from '../model/transformer';
import { presetConfig } from '../../contract/presets';
import { runSft } from './train';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function run(config: RunConfig, gradAccum: number) {
  const items = (await loadItems(config.data, 'train')).items;
  const tok = buildTokenizer(config, items);
  const model = TransformerModel.create(
    { ...config.model, dModel: 32, layers: 1, heads: 2, vocab: tok.vocabSize },
    config.seed,
  );
  const { history } = await runSft(model, tok, items, {
    config: { ...config, sft: { ...config.sft, steps: 3, batchSize: 6, gradAccum } },
  });
  const weights = await model.toArrays();
  model.dispose();
  return { history, weights };
}

describe('sft.gradAccum', () => {
  it('matches the full-batch losses, token counts and weights', async () => {
    const config = presetConfig('tiny');
    config.data.trainSize = 64;
    const full = await run(config, 1);
    for (const k of [2, 4]) {
      const acc = await run(config, k);
      acc.history.forEach((h, i) => {
        expect(h.loss).toBeCloseTo(full.history[i].loss, 5);
        expect(h.grad_norm).toBeCloseTo(full.history[i].grad_norm, 4);
        expect(h.tokens).toBe(full.history[i].tokens);
      });
      for (const [name, w] of full.weights) {
        const a = acc.weights.get(name)!;
        let maxDiff = 0;
        for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(w[i] - a[i]));
        expect(maxDiff, name).toBeLessThan(1e-5);
      }
    }
  }, 60_000);
});
