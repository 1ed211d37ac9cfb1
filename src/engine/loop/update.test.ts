/**
 * The trained loss's normaliser (runUpdates): Dr. GRPO divides by the fixed configured response
 * length, so the prompt's length changes nothing; token-mean divides by the response tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformerModel } from '../model/transformer';
import { tokenScores } from '../model/logprobs';
import { AdamW } from '../optim/adamw';
import { DEFAULT_THINKTUNING_LOSS_CONFIG } from '../rl/losses';
import type { AggregationName } from '../rl/aggregation';
import { disposePacked, packRollouts } from './pack';
import { runUpdates } from './update';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Loss of one update with lr 0 and pi_old = pi_theta (r = 1): every PPO token's loss is -A, so
 * the loss is known in closed form whatever the model. Responses: 3 and 5 tokens, A = [1, -1].
 */
async function lossWithPrompt(promptLength: number, aggregation: AggregationName) {
  const model = TransformerModel.create(
    { dModel: 16, layers: 1, heads: 2, context: 96, mlpRatio: 2, vocab: 20 },
    1,
  );
  const prompt = Array.from({ length: promptLength }, (_, i) => 3 + (i % 7));
  const packed = packRollouts(
    [
      { prompt, response: [4, 5, 6], offPolicy: [false, false, false], advantage: 1 },
      {
        prompt,
        response: [7, 8, 9, 10, 11],
        offPolicy: [false, false, false, false, false],
        advantage: -1,
      },
    ],
    0,
  );
  const oldLogp = tf.tidy(() => tokenScores(model, packed.tokens).logp);
  const optimizer = new AdamW(model.variables(), {
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    gradClip: 1,
  });
  const report = await runUpdates({
    model,
    optimizer,
    packed,
    oldLogp,
    refLogp: null,
    lossConfig: { ...DEFAULT_THINKTUNING_LOSS_CONFIG, aggregation, maxResponseLength: 16 },
    miniBatches: 1,
    epochs: 1,
    lr: 0,
  });
  oldLogp.dispose();
  disposePacked(packed);
  optimizer.dispose();
  model.dispose();
  return report.metrics['loss/total'];
}

describe('runUpdates normalises by the response, never by the prompt', () => {
  it('Dr. GRPO: sum(-A) / (N * maxResponseLength), the same for a 4- and a 60-token prompt', async () => {
    // (-1 * 3 + 1 * 5) / (2 * 16) = 2 / 32
    const short = await lossWithPrompt(4, 'seq-mean-token-sum-norm');
    const long = await lossWithPrompt(60, 'seq-mean-token-sum-norm');
    expect(short).toBeCloseTo(2 / 32, 6);
    expect(long).toBeCloseTo(2 / 32, 6);
  });

  it('token-mean: sum(-A) over the 8 response tokens / 8', async () => {
    expect(await lossWithPrompt(4, 'token-mean')).toBeCloseTo(2 / 8, 6);
    expect(await lossWithPrompt(60, 'token-mean')).toBeCloseTo(2 / 8, 6);
  });
});

describe('packRollouts carries per-token advantages and loss membership', () => {
  it('places each response token at its target index; dropped tokens leave the mask', () => {
    const packed = packRollouts(
      [
        { prompt: [1, 2], response: [3, 4], offPolicy: [false, true], advantage: 0.5 },
        {
          prompt: [1, 2, 5],
          response: [6, 7, 8],
          offPolicy: [false, true, true],
          advantage: [-1, 2, 3],
          inLoss: [false, true, true],
        },
      ],
      0,
    );
    // T = 6; row 0 targets 1, 2; row 1 targets 2, 3, 4
    expect(packed.advantages.arraySync()).toEqual([
      [0, 0.5, 0.5, 0, 0],
      [0, 0, -1, 2, 3],
    ]);
    expect(packed.responseMask.arraySync()).toEqual([
      [0, 1, 1, 0, 0],
      [0, 0, 0, 1, 1],
    ]);
    expect(packed.offPolicyMask.arraySync()).toEqual([
      [0, 0, 1, 0, 0],
      [0, 0, 0, 1, 1],
    ]);
    disposePacked(packed);
  });
});
