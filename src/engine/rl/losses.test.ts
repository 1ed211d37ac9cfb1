import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AggregationName } from './aggregation';
import { type LoopLossInputs, thinkTuningLossLoop } from './loss-reference-loop';
import {
  DEFAULT_THINKTUNING_LOSS_CONFIG,
  type LowConfidenceHandling,
  type ThinkTuningLossConfig,
  type TokenLossInputs,
  thinkTuningLoss,
  thinkTuningTokenLoss,
} from './losses';
import {
  type LossMetricTensors,
  keepMetrics,
  lossMetricsToNumbers,
  lossMetricsToNumbersSync,
} from './metrics';
import { type OffPolicyShapingName } from './off-policy-shaping';
import { mulberry32 } from '../random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CFG = DEFAULT_THINKTUNING_LOSS_CONFIG;
const row = (t: tf.Tensor): number[] => (t.arraySync() as number[][])[0];

/** Gradient of the aggregated loss with respect to logp. */
function lossGrad(inputs: TokenLossInputs): tf.Tensor {
  return tf.grad((x: tf.Tensor) => thinkTuningLoss({ ...inputs, logp: x }).loss)(inputs.logp);
}

describe('plain GRPO (offPolicyMask = 0) is the PPO branch', () => {
  // Same cases as ppo-surrogate.test.ts: A, r, L = -min(rA, clip(r)A) with dual clip c = 3.
  const A = [1, 2, -1, -1, -1, 1, -1];
  const R = [1.1, 1.5, 0.5, 4.0, 1.1, 0.5, 2.0];
  const inputs = (): TokenLossInputs => ({
    logp: tf.tensor2d([R.map(Math.log)]),
    oldLogp: tf.zeros([1, 7]),
    advantages: tf.tensor2d([A]),
    responseMask: tf.ones([1, 7]),
    offPolicyMask: tf.zeros([1, 7]),
    config: CFG,
  });

  it('per-token losses, TRL clip ratios and token-mean', () => {
    const out = thinkTuningTokenLoss(inputs());
    [-1.1, -2.4, 0.8, 3, 1.1, -0.5, 2].forEach((v, i) =>
      expect(row(out.perTokenLoss)[i]).toBeCloseTo(v, 5),
    );
    const m = lossMetricsToNumbersSync(out.metrics);
    expect(m['clip_ratio/low_mean']).toBeCloseTo(1 / 7, 6);
    expect(m['clip_ratio/high_mean']).toBeCloseTo(1 / 7, 6);
    expect(m['clip_ratio/region_mean']).toBeCloseTo(2 / 7, 6);
    expect(m['clip_ratio/dual_mean']).toBeCloseTo(1 / 7, 6);
    expect(m['tokens/ppo']).toBe(7);
    expect(m['tokens/shaped']).toBe(0);
    // token-mean: (-1.1 - 2.4 + 0.8 + 3 + 1.1 - 0.5 + 2) / 7 = 2.9 / 7
    expect(thinkTuningLoss(inputs()).loss.dataSync()[0]).toBeCloseTo(2.9 / 7, 5);
    // d loss/d logp = (-A r or 0) / 7
    [-1.1, 0, 0, 0, 1.1, -0.5, 2].forEach((g, i) =>
      expect(row(lossGrad(inputs()))[i]).toBeCloseTo(g / 7, 5),
    );
  });
});

describe('ThinkTuning token routing', () => {
  // One sequence, A = -1 for every token (advantages given per sequence, shape [N]).
  //   t0 student  p = 0.5, pi_old = 0.5/1.1 → r = 1.1: L = 1.1, dL/dlogp = -A r = 1.1
  //   t1 teacher  p = 0.5, gamma = -0.00025: L = 0.5/0.49975 = 1.0005003, dL/dlogp = 1.0005003
  //   t2 teacher  p = 0.005 < tau, A < 0: low-confidence negative
  //               'drop': masked, L = 0, gradient exactly 0
  //               'ppo' : pi_old = 0.005 → r = 1: L = 1, dL/dlogp = 1
  //   t3 padding  logp = -Inf (must not produce NaN)
  const inputs = (handling: LowConfidenceHandling): TokenLossInputs => ({
    logp: tf.tensor2d([[Math.log(0.5), Math.log(0.5), Math.log(0.005), -Infinity]]),
    oldLogp: tf.tensor2d([[Math.log(0.5 / 1.1), Math.log(0.3), Math.log(0.005), -Infinity]]),
    advantages: tf.tensor1d([-1]),
    responseMask: tf.tensor2d([[1, 1, 1, 0]]),
    offPolicyMask: tf.tensor2d([[0, 1, 1, 1]]),
    config: { ...CFG, lowConfidenceHandling: handling },
  });

  it("'drop' masks low-confidence negative teacher tokens with exactly zero gradient", () => {
    const out = thinkTuningTokenLoss(inputs('drop'));
    const loss = row(out.perTokenLoss);
    expect(loss[0]).toBeCloseTo(1.1, 5);
    expect(loss[1]).toBeCloseTo(1.0005003, 5);
    expect(loss[2]).toBe(0);
    expect(loss[3]).toBe(0);
    expect(row(out.effectiveMask)).toEqual([1, 1, 0, 0]);
    expect(row(out.flags.masked)).toEqual([0, 0, 1, 0]);
    expect(row(out.flags.offPolicy)).toEqual([0, 1, 1, 0]);
    expect(row(out.flags.weight)[1]).toBeCloseTo(1.0005003, 5); // p / (p + gamma)
    // token-mean, reference reading: the dropped token counts in the denominator with loss 0:
    // (1.1 + 1.0005003 + 0) / 3
    expect(thinkTuningLoss(inputs('drop')).loss.dataSync()[0]).toBeCloseTo(2.1005003 / 3, 5);
    expect(row(out.normaliserMask)).toEqual([1, 1, 1, 0]);
    const g = row(lossGrad(inputs('drop')));
    expect(g[0]).toBeCloseTo(1.1 / 3, 5);
    expect(g[1]).toBeCloseTo(1.0005003 / 3, 5);
    expect(Math.abs(g[2])).toBe(0); // exactly zero (sign of zero irrelevant)
    expect(Math.abs(g[3])).toBe(0);
    const m = lossMetricsToNumbersSync(out.metrics);
    expect(m['tokens/low_conf_dropped']).toBe(1);
    expect(m['tokens/shaped']).toBe(1);
    expect(m['tokens/effective']).toBe(2);
    expect(m['tokens/response']).toBe(3);
    // clip ratios over all 3 response tokens (verl/TRL); the PPO-only ones over the 1 PPO token
    expect(m['clip_ratio/region_mean']).toBe(0);
    expect(m['clip_ratio/ppo_region_mean']).toBe(0);
  });

  it('droppedInNormaliser=false divides by the tokens that carry a loss only', () => {
    const base = inputs('drop');
    const own: TokenLossInputs = {
      ...base,
      config: { ...base.config, droppedInNormaliser: false },
    };
    expect(row(thinkTuningTokenLoss(own).normaliserMask)).toEqual([1, 1, 0, 0]);
    // (1.1 + 1.0005003) / 2
    expect(thinkTuningLoss(own).loss.dataSync()[0]).toBeCloseTo(1.0502501, 5);
    const g = row(lossGrad(own));
    expect(g[0]).toBeCloseTo(1.1 / 2, 5);
    expect(g[1]).toBeCloseTo(1.0005003 / 2, 5);
  });

  it('clip ratios count every response token, teacher tokens as unclipped (verl, TRL)', () => {
    // t0, t1 student tokens with A = 1: r = 1.5 (high-clipped), r = 1; t2, t3 teacher tokens
    const out = thinkTuningTokenLoss({
      logp: tf.tensor2d([[Math.log(0.6), Math.log(0.4), Math.log(0.5), Math.log(0.5)]]),
      oldLogp: tf.tensor2d([[Math.log(0.4), Math.log(0.4), Math.log(0.5), Math.log(0.5)]]),
      advantages: tf.tensor1d([1]),
      responseMask: tf.ones([1, 4]),
      offPolicyMask: tf.tensor2d([[0, 0, 1, 1]]),
      config: CFG,
    });
    const m = lossMetricsToNumbersSync(out.metrics);
    expect(m['clip_ratio/high_mean']).toBeCloseTo(1 / 4, 6); // 1 clipped of 4 response tokens
    expect(m['clip_ratio/region_mean']).toBeCloseTo(1 / 4, 6);
    expect(m['clip_ratio/ppo_high_mean']).toBeCloseTo(1 / 2, 6); // of 2 PPO tokens
    expect(m['clip_ratio/ppo_region_mean']).toBeCloseTo(1 / 2, 6);
    expect(m['clip_ratio/low_mean']).toBe(0);
  });

  it("'ppo' routes them to the PPO branch with the old log-prob", () => {
    const out = thinkTuningTokenLoss(inputs('ppo'));
    expect(row(out.perTokenLoss)[2]).toBeCloseTo(1, 5);
    expect(row(out.effectiveMask)).toEqual([1, 1, 1, 0]);
    expect(row(out.flags.routedToPpo)).toEqual([0, 0, 1, 0]);
    expect(row(out.flags.masked)).toEqual([0, 0, 0, 0]);
    const g = row(lossGrad(inputs('ppo')));
    [1.1, 1.0005003, 1, 0].forEach((v, i) => expect(g[i]).toBeCloseTo(v / 3, 5));
    expect(row(out.normaliserMask)).toEqual([1, 1, 1, 0]);
    expect(lossMetricsToNumbersSync(out.metrics)['tokens/low_conf_to_ppo']).toBe(1);
  });
});

describe('KL penalty and entropy bonus', () => {
  it('adds beta * k3 and -coef * entropy', () => {
    // A = 0, so the policy term and its gradient vanish.
    // d = refLogp - logp = 0.5: k3 = e^0.5 - 0.5 - 1 = 0.1487213; beta 0.1 → 0.0148721
    // d(beta k3)/dlogp = beta (1 - e^0.5) = -0.0648721; entropy 2, coef 0.01 → -0.02
    const inputs: TokenLossInputs = {
      logp: tf.tensor2d([[Math.log(0.4)]]),
      oldLogp: tf.tensor2d([[Math.log(0.4)]]),
      advantages: tf.tensor1d([0]),
      responseMask: tf.ones([1, 1]),
      offPolicyMask: tf.zeros([1, 1]),
      refLogp: tf.tensor2d([[Math.log(0.4) + 0.5]]),
      entropy: tf.tensor2d([[2]]),
      config: { ...CFG, klBeta: 0.1, entropyCoef: 0.01 },
    };
    const out = thinkTuningLoss(inputs);
    const m = lossMetricsToNumbersSync(out.metrics);
    expect(out.loss.dataSync()[0]).toBeCloseTo(0.0148721 - 0.02, 6);
    expect(m['loss/kl_penalty']).toBeCloseTo(0.0148721, 6);
    expect(m['loss/entropy_bonus']).toBeCloseTo(-0.02, 6);
    expect(m['kl/mean']).toBeCloseTo(0.1487213, 6);
    expect(lossGrad(inputs).dataSync()[0]).toBeCloseTo(-0.0648721, 5);
  });

  it('needs refLogp / entropy when switched on', () => {
    const base: TokenLossInputs = {
      logp: tf.zeros([1, 1]),
      oldLogp: tf.zeros([1, 1]),
      advantages: tf.zeros([1]),
      responseMask: tf.ones([1, 1]),
      offPolicyMask: tf.zeros([1, 1]),
      config: { ...CFG, klBeta: 0.1 },
    };
    expect(() => thinkTuningLoss(base)).toThrow('klBeta > 0 needs refLogp');
    expect(() => thinkTuningLoss({ ...base, config: { ...CFG, entropyCoef: 0.1 } })).toThrow(
      'entropyCoef > 0 needs entropy',
    );
    expect(() => thinkTuningLoss({ ...base, oldLogp: tf.zeros([1, 2]) })).toThrow(/oldLogp/);
    expect(() =>
      thinkTuningLoss({
        ...base,
        config: { ...CFG, lowConfidenceHandling: 'keep' as LowConfidenceHandling },
      }),
    ).toThrow('Unknown low-confidence handling "keep"; valid: drop, ppo');
  });
});

// ---- vectorised vs plain loop ------------------------------------------------------------------

function randomInputs(seed: number, n: number, t: number, config: ThinkTuningLossConfig) {
  const rng = mulberry32(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  const logp: number[][] = [];
  const oldLogp: number[][] = [];
  const refLogp: number[][] = [];
  const entropy: number[][] = [];
  const responseMask: number[][] = [];
  const offPolicyMask: number[][] = [];
  const advantages: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = Math.floor(u(0, t + 1)); // 0..T valid tokens
    const guideFrom = rng.next() < 0.6 ? Math.floor(u(0, len + 1)) : t; // teacher suffix
    advantages.push(rng.next() < 0.15 ? 0 : u(-2.5, 2.5));
    logp.push([]);
    oldLogp.push([]);
    refLogp.push([]);
    entropy.push([]);
    responseMask.push([]);
    offPolicyMask.push([]);
    for (let j = 0; j < t; j++) {
      // mostly ordinary tokens, some very likely (D > 1 fallback), some very rare (low-conf)
      const kind = rng.next();
      const lp = kind < 0.1 ? u(-0.0004, -0.00001) : kind < 0.25 ? u(-9, -4.7) : u(-4, -0.05);
      logp[i].push(lp);
      oldLogp[i].push(lp + u(-0.6, 0.6));
      refLogp[i].push(lp + u(-1, 1));
      entropy[i].push(u(0, 3));
      responseMask[i].push(j < len ? 1 : 0);
      offPolicyMask[i].push(j < len && j >= guideFrom ? 1 : 0);
    }
  }
  const loop: LoopLossInputs = {
    logp,
    oldLogp,
    advantages,
    responseMask,
    offPolicyMask,
    refLogp,
    entropy,
    config,
  };
  return loop;
}

describe('vectorised loss matches a plain-loop reference', () => {
  const shapings: OffPolicyShapingName[] = ['thinktuning', 'luffy', 'reference-as-coded'];
  const aggregations: AggregationName[] = [
    'token-mean',
    'seq-mean-token-mean',
    'seq-mean-token-sum-norm',
  ];
  const shapes: Array<[number, number]> = [
    [1, 1],
    [3, 5],
    [6, 9],
  ];
  let caseIndex = 0;
  for (const shaping of shapings) {
    for (const aggregation of aggregations) {
      for (const handling of ['drop', 'ppo'] as LowConfidenceHandling[]) {
        const seed = 1000 + caseIndex++;
        it(`${shaping} / ${aggregation} / ${handling}`, () => {
          for (const [n, t] of shapes) {
            for (let s = 0; s < 3; s++) {
              const config: ThinkTuningLossConfig = {
                ...CFG,
                shaping,
                aggregation,
                lowConfidenceHandling: handling,
                droppedInNormaliser: s !== 1,
                maxResponseLength: 12,
                dualClipC: s === 2 ? null : 3,
                clipEpsHigh: s === 1 ? 0.28 : 0.2,
                klBeta: s === 1 ? 0.05 : 0,
                entropyCoef: s === 2 ? 0.01 : 0,
              };
              const loop = randomInputs(seed * 10 + s, n, t, config);
              const expected = thinkTuningLossLoop(loop);
              const inputs: TokenLossInputs = {
                logp: tf.tensor2d(loop.logp),
                oldLogp: tf.tensor2d(loop.oldLogp),
                advantages: tf.tensor1d(loop.advantages),
                responseMask: tf.tensor2d(loop.responseMask),
                offPolicyMask: tf.tensor2d(loop.offPolicyMask),
                refLogp: tf.tensor2d(loop.refLogp ?? []),
                entropy: tf.tensor2d(loop.entropy ?? []),
                config,
              };
              tf.tidy(() => {
                const tokens = thinkTuningTokenLoss(inputs);
                const perToken = tokens.perTokenLoss.arraySync() as number[][];
                const eff = tokens.effectiveMask.arraySync() as number[][];
                const grad = lossGrad(inputs).arraySync() as number[][];
                const loss = thinkTuningLoss(inputs).loss.dataSync()[0];
                expect(eff).toEqual(expected.effectiveMask);
                for (let i = 0; i < n; i++) {
                  for (let j = 0; j < t; j++) {
                    const tol = 1e-4 * Math.max(1, Math.abs(expected.perTokenLoss[i][j]));
                    expect(Math.abs(perToken[i][j] - expected.perTokenLoss[i][j])).toBeLessThan(
                      tol,
                    );
                    const gtol = 1e-4 * Math.max(1e-2, Math.abs(expected.grad[i][j]));
                    expect(Math.abs(grad[i][j] - expected.grad[i][j])).toBeLessThan(gtol);
                  }
                }
                expect(loss).toBeCloseTo(expected.loss, 4);
              });
              tf.dispose(Object.values(inputs).filter((v) => v instanceof tf.Tensor));
            }
          }
        });
      }
    }
  }
});

// ---- memory ------------------------------------------------------------------------------------

describe('tensor hygiene', () => {
  const make = (): TokenLossInputs => ({
    logp: tf.tensor2d([[-0.5, -1, -6, -0.2]]),
    oldLogp: tf.tensor2d([[-0.6, -0.7, -6, -0.2]]),
    advantages: tf.tensor1d([-1.2]),
    responseMask: tf.tensor2d([[1, 1, 1, 0]]),
    offPolicyMask: tf.tensor2d([[0, 1, 1, 0]]),
    refLogp: tf.tensor2d([[-0.4, -1, -5, 0]]),
    config: { ...CFG, klBeta: 0.1 },
  });

  it('loss + gradients inside tf.tidy leave no tensors behind', () => {
    const inputs = make();
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      lossGrad(inputs);
      thinkTuningTokenLoss(inputs);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('variableGrads + keepMetrics + lossMetricsToNumbers frees everything it made', async () => {
    const inputs = make();
    const w = tf.variable(tf.zeros([1, 4]));
    const before = tf.memory().numTensors;
    let metrics: LossMetricTensors | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = thinkTuningLoss({ ...inputs, logp: tf.add(inputs.logp, w) });
      metrics = keepMetrics(out.metrics);
      return out.loss;
    });
    expect(metrics).toBeDefined();
    const numbers = await lossMetricsToNumbers(metrics as LossMetricTensors);
    expect(numbers['loss/total']).toBeCloseTo(value.dataSync()[0], 6);
    expect(numbers['tokens/effective']).toBe(2); // t2 is a dropped low-confidence token
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});
