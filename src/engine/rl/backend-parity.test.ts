/**
 * The loss uses only kernels (and gradients) that the wasm backend has: run the same loss +
 * gradient on 'wasm' and 'cpu' and compare.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type AggregationName } from './aggregation';
import { DEFAULT_THINKTUNING_LOSS_CONFIG, type TokenLossInputs, thinkTuningLoss } from './losses';
import { lossMetricsToNumbersSync } from './metrics';
import { type OffPolicyShapingName } from './off-policy-shaping';

const WASM_DIR = fileURLToPath(
  new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url),
);

/** Loss, gradient wrt logp and clip metric for a small mixed batch, as plain numbers. */
function runAll(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const shapings: OffPolicyShapingName[] = ['thinktuning', 'luffy', 'reference-as-coded'];
  const aggregations: AggregationName[] = [
    'token-mean',
    'seq-mean-token-mean',
    'seq-mean-token-sum-norm',
  ];
  for (const shaping of shapings) {
    for (const aggregation of aggregations) {
      for (const perToken of [false, true]) {
        tf.tidy(() => {
          const inputs: TokenLossInputs = {
            logp: tf.tensor2d([
              [-0.5, -1, -6, -Infinity],
              [-0.1, -2, -0.0001, -3],
            ]),
            oldLogp: tf.tensor2d([
              [-0.6, -0.7, -6, 0],
              [-0.5, -1.5, -0.2, -3],
            ]),
            advantages: perToken
              ? tf.tensor2d([
                  [-1.2, -1.2, -1.2, -1.2],
                  [0.7, 0.7, 0.7, 0.7],
                ])
              : tf.tensor1d([-1.2, 0.7]),
            responseMask: tf.tensor2d([
              [1, 1, 1, 0],
              [1, 1, 1, 1],
            ]),
            offPolicyMask: tf.tensor2d([
              [0, 1, 1, 0],
              [0, 0, 1, 1],
            ]),
            refLogp: tf.tensor2d([
              [-0.4, -1, -5, 0],
              [-0.2, -2, -0.1, -2],
            ]),
            entropy: tf.tensor2d([
              [1, 2, 3, 4],
              [1, 1, 1, 1],
            ]),
            config: {
              ...DEFAULT_THINKTUNING_LOSS_CONFIG,
              shaping,
              aggregation,
              klBeta: 0.1,
              entropyCoef: 0.01,
              maxResponseLength: 8,
            },
          };
          const grad = tf.grad((x: tf.Tensor) => thinkTuningLoss({ ...inputs, logp: x }).loss)(
            inputs.logp,
          );
          const { loss, metrics } = thinkTuningLoss(inputs);
          const m = lossMetricsToNumbersSync(metrics);
          out[`${shaping}/${aggregation}/${perToken ? 'NT' : 'N'}`] = [
            loss.dataSync()[0],
            ...Array.from(grad.dataSync()),
            m['clip_ratio/region_mean'],
            m['tokens/effective'],
          ];
        });
      }
    }
  }
  return out;
}

describe('backend parity', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('wasm gives the same loss, gradients and metrics as cpu', async () => {
    setWasmPaths(WASM_DIR.endsWith('/') ? WASM_DIR : `${WASM_DIR}/`);
    expect(await tf.setBackend('wasm')).toBe(true);
    const wasm = runAll();
    await tf.setBackend('cpu');
    const cpu = runAll();
    expect(Object.keys(wasm)).toHaveLength(18);
    for (const [key, values] of Object.entries(cpu)) {
      values.forEach((v, i) => {
        expect(Number.isFinite(v), key).toBe(true);
        expect(Math.abs(wasm[key][i] - v), `${key}[${i}]`).toBeLessThan(1e-5);
      });
    }
  });
});
