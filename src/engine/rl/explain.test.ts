/**
 * The formula explainer's numbers (explain.ts) equal the formulas of each branch, recomputed by
 * hand in float64: PPO unclipped / clipped low / clipped high / dual clip, the shaped teacher
 * term, a dropped low-confidence teacher token and one routed to PPO.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { shapingGamma } from '../../contract/explainer';
import { explainTokenLoss } from './explain';
import { DEFAULT_THINKTUNING_LOSS_CONFIG, type ThinkTuningLossConfig } from './losses';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L = Math.log;
/** Row 0: A = +1, 3 tokens + 2 padding; row 1: A = -1, 5 tokens. [p, pOld, teacher] per token. */
const rows: Array<{ a: number; toks: Array<[number, number, boolean]> }> = [
  {
    a: 1,
    toks: [
      [0.5, 0.5, false], // r = 1: unclipped
      [0.6, 0.4, false], // r = 1.5 > 1.2, A > 0: clipped high
      [0.3, 0.3, true], // teacher, shaped
    ],
  },
  {
    a: -1,
    toks: [
      [0.2, 0.4, false], // r = 0.5 < 0.8, A < 0: clipped low
      [0.8, 0.2, false], // r = 4, A < 0: -A r = 4 > c*(-A) = 3: dual clip
      [0.005, 0.005, true], // teacher, A < 0, p < tau = 0.01: low-confidence
      [0.5, 0.5, true], // teacher, shaped with A < 0
      [0.55, 0.5, false], // r = 1.1: unclipped
    ],
  },
];

function run(config: ThinkTuningLossConfig) {
  const T = 5;
  const grid = (f: (tok: [number, number, boolean] | undefined, a: number) => number) =>
    tf.tensor2d(rows.map((r) => Array.from({ length: T }, (_, t) => f(r.toks[t], r.a))));
  const inputs = {
    logp: grid((k) => (k ? L(k[0]) : 0)),
    oldLogp: grid((k) => (k ? L(k[1]) : 0)),
    advantages: tf.tensor1d(rows.map((r) => r.a)),
    responseMask: grid((k) => (k ? 1 : 0)),
    offPolicyMask: grid((k) => (k?.[2] ? 1 : 0)),
    config,
  };
  const e = explainTokenLoss(inputs);
  const read = (t: tf.Tensor) => t.arraySync() as number[][];
  const out = {
    loss: e.loss.dataSync()[0],
    perTokenLoss: read(e.perTokenLoss),
    aggWeight: read(e.aggWeight),
    gradLogp: read(e.gradLogp),
    weight: read(e.weight),
    masked: read(e.masked),
    routed: read(e.routedToPpo),
    dual: read(e.dualClipped),
    low: read(e.clippedLow),
    high: read(e.clippedHigh),
  };
  tf.dispose([...Object.values(e), ...Object.values(inputs).filter((x) => x instanceof tf.Tensor)]);
  return out;
}

/** float64 reference: [L, w] of one token, from the formulas in losses.ts and its branches. */
function reference(p: number, pOld: number, teacher: boolean, a: number, c: ThinkTuningLossConfig) {
  const lowConf = teacher && a < 0 && p < c.lowConfidenceTau;
  if (teacher && !lowConf) {
    const w = p / (p + shapingGamma(c, a)); // w = p / (sg(p) + gamma)
    return { loss: -a * w, w }; // L = -A p/(sg(p)+gamma), value at sg(p) = p
  }
  if (lowConf && c.lowConfidenceHandling === 'drop') return { loss: 0, w: 0 };
  const r = p / pOld; // r = pi / pi_old
  const clipped = Math.min(Math.max(r, 1 - c.clipEpsLow), 1 + c.clipEpsHigh);
  let loss = Math.max(-a * r, -a * clipped); // -min(rA, clip(r)A)
  let w = loss === -a * r && !(a < 0 && r < 1 - c.clipEpsLow) ? r : 0;
  if (a > 0 && r > 1 + c.clipEpsHigh) w = 0;
  if (a < 0 && c.dualClipC !== null && loss > -c.dualClipC * a) {
    loss = -c.dualClipC * a; // dual clip: min(L, -cA)
    w = 0;
  }
  return { loss, w };
}

describe('explainTokenLoss: every branch equals its formula (float64 recomputation)', () => {
  it("'drop': PPO cases, shaped terms, the dropped token; token-mean weight 1/8", () => {
    const c = DEFAULT_THINKTUNING_LOSS_CONFIG;
    const e = run(c);
    // hand-computed: row 0 t0 unclipped L = -1; t1 clipped high L = -1.2; t2 shaped
    expect(e.perTokenLoss[0][0]).toBeCloseTo(-1, 6);
    expect(e.perTokenLoss[0][1]).toBeCloseTo(-1.2, 6);
    expect(e.perTokenLoss[0][2]).toBeCloseTo(-0.3 / 0.30025, 6);
    expect(e.high[0][1]).toBe(1);
    // row 1: clipped low L = -A*0.8 = 0.8, dual clip L = 3, dropped 0, shaped 0.5/0.49975, r=1.1
    expect(e.perTokenLoss[1]).toEqual(
      [0.8, 3, 0, 0.5 / 0.49975, 1.1].map((x) => expect.closeTo(x, 5)),
    );
    expect([e.low[1][0], e.dual[1][1], e.masked[1][2]]).toEqual([1, 1, 1]);
    // 8 response tokens (the dropped one counts: droppedInNormaliser) → 1/8 each, 0 on padding
    expect(e.aggWeight[0]).toEqual([1 / 8, 1 / 8, 1 / 8, 0, 0].map((x) => expect.closeTo(x, 7)));
    let total = 0;
    rows.forEach((row, i) =>
      row.toks.forEach(([p, pOld, teacher], t) => {
        const ref = reference(p, pOld, teacher, row.a, c);
        total += ref.loss / 8;
        expect(e.perTokenLoss[i][t]).toBeCloseTo(ref.loss, 5);
        expect(e.weight[i][t]).toBeCloseTo(ref.w, 5);
        // the engine's gradient: d(mean loss)/d logp = -A * w / 8
        expect(e.gradLogp[i][t]).toBeCloseTo((-row.a * ref.w) / 8, 5);
      }),
    );
    expect(e.loss).toBeCloseTo(total, 5);
  });

  it("'ppo': the low-confidence teacher token is routed to PPO (r = 1, L = -A = 1)", () => {
    const c: ThinkTuningLossConfig = {
      ...DEFAULT_THINKTUNING_LOSS_CONFIG,
      lowConfidenceHandling: 'ppo',
    };
    const e = run(c);
    expect(e.routed[1][2]).toBe(1);
    expect(e.masked[1][2]).toBe(0);
    expect(e.perTokenLoss[1][2]).toBeCloseTo(1, 6);
    expect(e.gradLogp[1][2]).toBeCloseTo(1 / 8, 6); // -A * r / 8
  });

  it('Dr. GRPO aggregation: weight 1 / (N * maxResponseLength)', () => {
    const c: ThinkTuningLossConfig = {
      ...DEFAULT_THINKTUNING_LOSS_CONFIG,
      aggregation: 'seq-mean-token-sum-norm',
      maxResponseLength: 10,
    };
    const e = run(c);
    expect(e.aggWeight[1][4]).toBeCloseTo(1 / 20, 7);
    expect(e.gradLogp[1][4]).toBeCloseTo((1 * 1.1) / 20, 5); // -A r / (N L)
  });
});
