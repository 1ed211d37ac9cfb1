/**
 * rl.gradAccum in runUpdates: k micro-batches give the one-pass update's gradient (checked
 * directly, not through AdamW, whose first step is ~lr·sign(g) and would hide a scale error),
 * loss, metrics and per-token readbacks, for every aggregation and normaliser, with teacher
 * tokens, low-confidence drops, clipping, the KL penalty and the entropy bonus in the loss.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokenScores } from '../model/logprobs';
import { TransformerModel } from '../model/transformer';
import { AdamW } from '../optim/adamw';
import type { AggregationName } from '../rl/aggregation';
import { DEFAULT_THINKTUNING_LOSS_CONFIG, type ThinkTuningLossConfig } from '../rl/losses';
import { disposePacked, packRollouts, type RolloutRow } from './pack';
import { MicroBatchSizer } from './microBatchSizer';
import { runUpdates, type UpdateReport } from './update';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** AdamW that keeps a copy of every gradient it is given. */
class RecordingAdamW extends AdamW {
  seen: Float32Array[][] = [];
  override async apply(grads: tf.Tensor[], lr: number) {
    this.seen.push(grads.map((g) => g.dataSync() as Float32Array).map((d) => d.slice()));
    return super.apply(grads, lr);
  }
}

/** Five rows of different lengths; rows 1 and 3 end in teacher-written tokens. */
const ROWS: RolloutRow[] = [
  {
    prompt: [1, 2, 3],
    response: [4, 5, 6, 7],
    offPolicy: [false, false, false, false],
    advantage: 1.2,
  },
  {
    prompt: [1, 2],
    response: [8, 9, 10, 11, 12, 13],
    offPolicy: [false, false, true, true, true, true],
    advantage: [0.5, 0.5, -0.8, -0.8, 1.5, 1.5],
  },
  { prompt: [3, 2, 1, 4], response: [14, 15], offPolicy: [false, false], advantage: -1 },
  {
    prompt: [5],
    response: [16, 17, 18, 19, 4],
    offPolicy: [false, true, true, true, true],
    advantage: -0.6,
  },
  { prompt: [6, 7], response: [5, 9, 13], offPolicy: [false, false, false], advantage: 0.3 },
];

interface Outcome {
  report: UpdateReport;
  grads: Float32Array[][];
  numTensors: number;
  /** model.forward calls inside runUpdates. */
  forwards: number;
}

async function update(
  loss: Partial<ThinkTuningLossConfig>,
  opts: {
    miniBatches: number;
    gradAccum: number;
    epochs?: number;
    /** pi_old = pi_theta, and its scores passed as the current ones (the trainer's case). */
    scored?: boolean;
    memoryBudget?: number;
    /** Kept across calls (its probe remembered); a fresh one each call by default. */
    sizer?: MicroBatchSizer;
  },
): Promise<Outcome> {
  const model = TransformerModel.create(
    { dModel: 16, layers: 1, heads: 2, context: 32, mlpRatio: 2, vocab: 20 },
    7,
  );
  const reference = TransformerModel.create(
    { dModel: 16, layers: 1, heads: 2, context: 32, mlpRatio: 2, vocab: 20 },
    8,
  );
  const packed = packRollouts(ROWS, 0);
  // pi_old a little off pi_theta, so ratios leave [1 - eps, 1 + eps] on some tokens
  const current = tokenScores(model, packed.tokens);
  const oldLogp = opts.scored
    ? current.logp
    : tf.tidy(() => {
        const shift = tf.randomUniform(current.logp.shape, -0.4, 0.4, 'float32', 3);
        return tf.add(current.logp, shift) as tf.Tensor2D;
      });
  const refLogp = tf.tidy(() => tokenScores(reference, packed.tokens).logp);
  const optimizer = new RecordingAdamW(model.variables(), {
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    gradClip: 1e6,
  });
  const forward = model.forward.bind(model);
  let forwards = 0;
  model.forward = (...a) => {
    forwards++;
    return forward(...a);
  };
  const before = tf.memory().numTensors;
  const report = await runUpdates({
    model,
    optimizer,
    packed,
    oldLogp,
    refLogp,
    lossConfig: {
      ...DEFAULT_THINKTUNING_LOSS_CONFIG,
      maxResponseLength: 8,
      lowConfidenceTau: 0.2, // a scratch model's p is ~1/20: teacher tokens with A < 0 drop
      ...loss,
    },
    miniBatches: opts.miniBatches,
    gradAccum: opts.gradAccum,
    current: opts.scored ? current : undefined,
    memory:
      opts.memoryBudget === undefined
        ? null
        : { budget: opts.memoryBudget, sizer: opts.sizer ?? new MicroBatchSizer() },
    epochs: opts.epochs ?? 1,
    lr: 1e-2,
  });
  const numTensors = tf.memory().numTensors - before; // AdamW made its moments when built
  tf.dispose([oldLogp, refLogp, current.logp, current.entropy]);
  disposePacked(packed);
  optimizer.dispose();
  model.dispose();
  reference.dispose();
  return { report, grads: optimizer.seen, numTensors, forwards };
}

function expectSameUpdate(acc: Outcome, full: Outcome) {
  expect(acc.report.updates).toBe(full.report.updates);
  expect(acc.report.skipped).toBe(0);
  expect(acc.grads.length).toBe(full.grads.length);
  acc.grads.forEach((perVar, u) =>
    perVar.forEach((g, v) => {
      const want = full.grads[u][v];
      const scale = Math.max(...want.map(Math.abs), 1e-6);
      g.forEach((x, i) => expect(Math.abs(x - want[i]) / scale).toBeLessThan(2e-5));
    }),
  );
  expect(acc.report.gradNorm).toBeCloseTo(full.report.gradNorm, 5);
  for (const [k, v] of Object.entries(full.report.metrics))
    expect(acc.report.metrics[k], k).toBeCloseTo(v, 5);
  for (const f of ['logp', 'entropy', 'clippedLow', 'clippedHigh', 'masked', 'weight'] as const)
    acc.report.perToken[f].forEach((x, i) => expect(x).toBeCloseTo(full.report.perToken[f][i], 5));
  expect(acc.report.perToken.rowMiniBatch).toEqual(full.report.perToken.rowMiniBatch);
}

describe('rl.gradAccum: micro-batches give the one-pass update', () => {
  const aggregations: AggregationName[] = [
    'token-mean',
    'seq-mean-token-mean',
    'seq-mean-token-sum-norm',
  ];
  for (const aggregation of aggregations) {
    it(`${aggregation}, KL and entropy in the loss, dropped tokens outside the normaliser`, async () => {
      const loss = { aggregation, klBeta: 0.1, entropyCoef: 0.01, droppedInNormaliser: false };
      const full = await update(loss, { miniBatches: 1, gradAccum: 1 });
      // the loss has work to do: teacher tokens dropped and PPO tokens clipped
      expect(full.report.metrics['tokens/low_conf_dropped']).toBeGreaterThan(0);
      expect(
        full.report.metrics['clip_ratio/low_mean'] + full.report.metrics['clip_ratio/high_mean'],
      ).toBeGreaterThan(0);
      for (const k of [2, 3, 5])
        expectSameUpdate(await update(loss, { miniBatches: 1, gradAccum: k }), full);
    });
  }

  it('inside mini-batches and epochs: 2 mini-batches x 2 epochs, each in 2 micro-batches', async () => {
    const loss = { aggregation: 'token-mean' as const };
    const full = await update(loss, { miniBatches: 2, gradAccum: 1, epochs: 2 });
    expect(full.report.updates).toBe(4);
    expectSameUpdate(await update(loss, { miniBatches: 2, gradAccum: 2, epochs: 2 }), full);
  });

  it('the comparison can fail: the same rows at another loss scale are caught', async () => {
    // the check itself can fail: the full update at a different loss scale is not "the same"
    const loss = { aggregation: 'seq-mean-token-sum-norm' as const };
    const a = await update({ ...loss, maxResponseLength: 8 }, { miniBatches: 1, gradAccum: 2 });
    const b = await update({ ...loss, maxResponseLength: 16 }, { miniBatches: 1, gradAccum: 1 });
    expect(() => expectSameUpdate(a, b)).toThrow();
  });

  it("reuses the scoring pass: k micro-batches cost k forward passes, the one-pass update's 1 + 0", async () => {
    const loss = { aggregation: 'token-mean' as const, entropyCoef: 0.01, klBeta: 0.1 };
    const full = await update(loss, { miniBatches: 1, gradAccum: 1, scored: true });
    expect(full.forwards).toBe(1);
    const fresh = await update(loss, { miniBatches: 1, gradAccum: 3 });
    expect(fresh.forwards).toBe(6); // pass 1 and pass 2, 3 micro-batches each
    const reused = await update(loss, { miniBatches: 1, gradAccum: 3, scored: true });
    expect(reused.forwards).toBe(3);
    expectSameUpdate(reused, full);
    // only the first update may reuse them: the second mini-batch's weights have moved
    const two = await update(loss, { miniBatches: 2, gradAccum: 3, scored: true });
    expect(two.forwards).toBe(3 + 2 * 2); // rows 0-2 in 3 micro-batches, rows 3-4 in 2 (twice)
    expectSameUpdate(two, await update(loss, { miniBatches: 2, gradAccum: 1, scored: true }));
  });

  it('a memory budget: a one-row probe sizes the micro-batches, and the update is the same', async () => {
    const loss = { aggregation: 'token-mean' as const, klBeta: 0.1 };
    const full = await update(loss, { miniBatches: 1, gradAccum: 1, scored: true });
    expect(full.report.microBatches).toBe(1);
    const cases: Array<[string, number, number, number]> = [
      // what, rl.gradAccum, budget (bytes), micro-batches
      ['1 byte: one row a micro-batch, the scoring pass reused', 1, 1, 5],
      ['room for everything: the probe row, then the other 4 in one', 1, 1e12, 2],
      ['rl.gradAccum still bounds the rows (3): the probe, then 4 rows as 2 + 2', 2, 1e12, 3],
    ];
    for (const [what, gradAccum, memoryBudget, micro] of cases) {
      const out = await update(loss, { miniBatches: 1, gradAccum, scored: true, memoryBudget });
      expect([out.report.microBatches, out.forwards], what).toEqual([micro, micro]);
      expectSameUpdate(out, full);
    }
  });

  it('the sizer remembers its probe: a later update that fits runs in one pass, no probe', async () => {
    const loss = { aggregation: 'token-mean' as const };
    const sizer = new MicroBatchSizer();
    const first = await update(loss, {
      miniBatches: 1,
      gradAccum: 1,
      scored: true,
      memoryBudget: 1e12,
      sizer,
    });
    expect(first.report.microBatches).toBe(2); // the probe row, then 4
    expect(sizer.bytesPerRow(10)).toBeGreaterThan(0);
    const later = await update(loss, {
      miniBatches: 1,
      gradAccum: 1,
      scored: true,
      memoryBudget: 1e12,
      sizer,
    });
    expect([later.report.microBatches, later.forwards]).toEqual([1, 1]);
    const tight = await update(loss, {
      miniBatches: 1,
      gradAccum: 1,
      scored: true,
      memoryBudget: 1,
      sizer,
    });
    expect([tight.report.microBatches, tight.forwards]).toEqual([5, 5]); // sized, no probe
    expectSameUpdate(tight, first);
  });

  it('leaves no tensors behind', async () => {
    const out = await update(
      { klBeta: 0.1, entropyCoef: 0.01 },
      { miniBatches: 2, gradAccum: 3, epochs: 2 },
    );
    expect(out.numTensors).toBe(0);
  });
});
