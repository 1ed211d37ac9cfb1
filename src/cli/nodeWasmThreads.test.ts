/**
 * The threaded wasm build starts in Node with 2 threads, and gives the single-threaded build's
 * results on a matmul (each fast-kernel plan) and on two training steps. No timings here: see
 * `npm run bench -- --wasm-threads 1,2`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../engine/model/config';
import { tokenScores } from '../engine/model/logprobs';
import { TransformerModel } from '../engine/model/transformer';
import { AdamW } from '../engine/optim/adamw';
import { mulberry32 } from '../engine/random';
import { parseWasmThreads, startNodeWasm } from './nodeWasmThreads';

const cfg: ModelConfig = { vocab: 53, dModel: 64, layers: 2, heads: 4, context: 32, mlpRatio: 4 };

function values(n: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

/** Products on each BatchMatMul plan (stock, folded, swapped, per-batch) and a 256^2 one. */
function matmuls(): number[][] {
  return tf.tidy(() => {
    const t = (shape: number[], seed: number) =>
      tf.tensor(
        values(
          shape.reduce((a, b) => a * b, 1),
          seed,
        ),
        shape,
      );
    const outs = [
      tf.matMul(t([256, 256], 1), t([256, 256], 2)),
      tf.matMul(t([96, 40], 3), t([64, 40], 4), false, true),
      tf.matMul(t([300, 16], 5), t([300, 128], 6), true, false),
      tf.matMul(t([4, 32, 48], 7), t([4, 48, 40], 8)),
    ];
    return outs.map((o) => Array.from(o.dataSync()));
  });
}

/** Losses and final weights of two AdamW steps of a small transformer. */
async function trainSteps(): Promise<number[]> {
  const model = TransformerModel.create(cfg, 5);
  const opt = new AdamW(model.variables(), {
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
    gradClip: 1,
  });
  const rng = mulberry32(11);
  const losses: number[] = [];
  for (let step = 0; step < 2; step++) {
    const data = Int32Array.from({ length: 6 * 24 }, () => Math.floor(rng.next() * cfg.vocab));
    const tokens = tf.tensor2d(data, [6, 24], 'int32');
    const vars = model.variables();
    const { value, grads } = tf.variableGrads(
      () => tokenScores(model, tokens).logp.mean().neg() as tf.Scalar,
      vars,
    );
    await opt.apply(
      vars.map((v) => grads[v.name]),
      1e-2,
    );
    losses.push((await value.data())[0]);
    tf.dispose([value, tokens, ...Object.values(grads)]);
  }
  const weights = model.variables().flatMap((v) => Array.from(v.dataSync()));
  opt.dispose();
  model.dispose();
  return [...losses, ...weights];
}

const worstDiff = (a: number[], b: number[]) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('threaded wasm in Node', () => {
  afterAll(async () => {
    await startNodeWasm(1);
    await tf.setBackend('cpu');
  });

  it('validates --wasm-threads', () => {
    expect(parseWasmThreads('2')).toBe(2);
    expect(parseWasmThreads('0')).toHaveProperty('error');
    expect(parseWasmThreads('1.5')).toHaveProperty('error');
    expect(parseWasmThreads(undefined)).toHaveProperty('error');
  });

  it('starts with 2 threads and matches the single-threaded build', async () => {
    expect(await startNodeWasm(1)).toBe(1);
    const single = { mm: matmuls(), train: await trainSteps() };

    expect(await startNodeWasm(2)).toBe(2);
    const backend = tf.backend() as unknown as {
      wasm: { PThread?: { runningWorkers: unknown[] } };
    };
    expect(backend.wasm.PThread?.runningWorkers.length).toBe(1); // the pool's second thread
    const threaded = { mm: matmuls(), train: await trainSteps() };

    threaded.mm.forEach((m, i) => {
      expect(m.length).toBe(single.mm[i].length);
      // XNNPACK splits the output into tiles across threads; each element is summed the same way.
      expect(worstDiff(m, single.mm[i]), `matmul ${i}`).toBeLessThanOrEqual(1e-6);
    });
    expect(threaded.train.length).toBe(single.train.length);
    expect(worstDiff(threaded.train, single.train)).toBeLessThanOrEqual(1e-5);
  });
});
