import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frozenGather, frozenHeadScores, frozenMatMul, headLogits } from './fusedOps';
import { tinyQwen2 } from '../../../test/tinyQwen2';
import { LLAMA_LINEAR_MODULES } from '../../contract/llamaModules';
import { LlamaModel } from './llama';
import { llamaWeightShapes } from './llamaConfig';

/**
 * Activation checkpointing of the Llama blocks (LoRA scoring): the same loss and gradients as
 * the plain tape, less memory at the peak, and no tensor left behind (the nested tape that
 * recomputes each block must not replace or leak the outer one).
 */

const config = tinyQwen2({
  vocab: 96,
  hidden: 32,
  intermediate: 64,
  layers: 8,
  context: 128,
});

const ALL = LLAMA_LINEAR_MODULES;

function build(): LlamaModel {
  const arrays = new Map<string, Float32Array>();
  let k = 0;
  for (const [name, shape] of llamaWeightShapes(config)) {
    const t = name.endsWith('norm.weight')
      ? tf.ones(shape)
      : tf.randomUniform(shape, -0.15, 0.15, 'float32', 100 + k++);
    arrays.set(name, t.dataSync() as Float32Array);
    t.dispose();
  }
  const model = LlamaModel.fromArrays(config, arrays, {
    lora: { rank: 4, alpha: 8, targetModules: ALL, seed: 5 },
  });
  // B off 0 so every adapter carries gradient to x and to A
  model
    .lora!.variables()
    .forEach((v, i) =>
      tf.tidy(() => v.assign(tf.randomUniform(v.shape, -0.2, 0.2, 'float32', 7 + i))),
    );
  return model;
}

let model: LlamaModel;
let tokens: tf.Tensor2D;
let targets: tf.Tensor1D;
let weights: tf.Tensor1D;
const B = 2;
const T = 40;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = build();
  const ids = tf.randomUniform([B, T + 1], 0, config.vocab, 'int32', 3) as tf.Tensor2D;
  tokens = ids.slice([0, 0], [B, T]);
  targets = ids.slice([0, 1], [B, T]).reshape([B * T]);
  weights = tf.randomUniform([B * T], -1, 1, 'float32', 9);
  ids.dispose();
});

afterAll(() => {
  model.dispose();
  tf.dispose([tokens, targets, weights]);
});

/** sum(w * (logp + 0.3 H)) through the chunked frozen head, with or without checkpointing. */
const loss = (checkpoint: boolean) => () =>
  tf.tidy(() => {
    // a key mask on row 1's last 6 tokens, as right padding gives
    const mask = tf.concat([
      tf.ones([1, 1, 1, T]),
      tf.ones([1, 1, 1, T - 6]).pad([
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 6],
      ]),
    ]);
    const bias = tf.linalg
      .bandPart(tf.ones([T, T]), -1, 0)
      .mul(mask)
      .sub(1)
      .mul(1e9);
    const f = model.frozenHeadForward(tokens, { embed: 'onehot', checkpoint, bias })!;
    const s = frozenHeadScores(f.hidden, f.head, targets);
    return s.logp.add(s.entropy.mul(0.3)).mul(weights).sum() as tf.Scalar;
  });

function gradsOf(checkpoint: boolean) {
  const { value, grads } = tf.variableGrads(loss(checkpoint), model.variables());
  const out = {
    value: value.dataSync()[0],
    grads: model.variables().map((v) => grads[v.name].dataSync() as Float32Array),
  };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('activation checkpointing of the Llama blocks (LoRA)', () => {
  it('gives the plain tape’s loss and adapter gradients', () => {
    const plain = gradsOf(false);
    const ck = gradsOf(true);
    expect(ck.value).toBeCloseTo(plain.value, 5);
    expect(ck.grads).toHaveLength(8 * 7 * 2);
    let norm = 0;
    for (let i = 0; i < plain.grads.length; i++) {
      const p = plain.grads[i];
      const c = ck.grads[i];
      let worst = 0;
      let scale = 0;
      for (let j = 0; j < p.length; j++) {
        worst = Math.max(worst, Math.abs(p[j] - c[j]));
        scale = Math.max(scale, Math.abs(p[j]));
      }
      norm += scale;
      expect(worst, `adapter tensor ${i}`).toBeLessThanOrEqual(1e-5 + 1e-4 * scale);
    }
    expect(norm).toBeGreaterThan(0); // the comparison is not between zeros
  });

  it('keeps one block’s activations instead of every block’s', async () => {
    const peak = async (checkpoint: boolean) => {
      const base = tf.memory().numBytes; // weights, adapters, inputs
      const p = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(loss(checkpoint), model.variables());
        tf.dispose([value, ...Object.values(grads)]);
      });
      return { bytes: p.peakBytes - base, kernels: p.kernels.length };
    };
    const plain = await peak(false);
    const ck = await peak(true);
    // 8 blocks: the plain tape holds all 8 blocks' activations, the checkpointed one holds 1
    // block's and 8 block inputs; it runs each block's forward once more
    expect(ck.bytes).toBeLessThan(plain.bytes * 0.5);
    expect(ck.kernels).toBeGreaterThan(plain.kernels);
  });

  it('leaves no tensor behind across training steps, and the outer tape works after it', () => {
    gradsOf(true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) gradsOf(true);
    expect(tf.memory().numTensors).toBe(before);
    // an ordinary gradient afterwards still works (the outer tape was restored)
    const x = tf.scalar(3);
    const g = tf.grad((t: tf.Tensor) => t.square())(x);
    expect(g.dataSync()[0]).toBe(6);
    tf.dispose([x, g]);
  });

  it('the checkpointed forward equals the plain one without a tape (sampling, old log-probs)', () => {
    const a = tf.tidy(() =>
      model.frozenHeadForward(tokens, { checkpoint: true })!.hidden.dataSync(),
    );
    const b = tf.tidy(() =>
      model.frozenHeadForward(tokens, { checkpoint: false })!.hidden.dataSync(),
    );
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('frozen-weight ops keep nothing on the tape and give the plain gradient', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`frozenMatMul and frozenGather equal matMul and gather, dx included (${backend})`, async () => {
      await tf.setBackend(backend);
      try {
        tf.tidy(() => {
          const x = tf.randomUniform([5, 7], -1, 1, 'float32', 1) as tf.Tensor2D;
          const w = tf.randomUniform([7, 3], -1, 1, 'float32', 2) as tf.Tensor2D;
          const r = tf.randomUniform([5, 3], -1, 1, 'float32', 3);
          // d/dx sum(r * x W) = r W^T
          const [plain] = tf.grads((a: tf.Tensor) => tf.matMul(a, w).mul(r).sum())([x]);
          const [frozen] = tf.grads((a: tf.Tensor) =>
            frozenMatMul(a as tf.Tensor2D, w)
              .mul(r)
              .sum(),
          )([x]);
          const pd = plain.dataSync();
          frozen.dataSync().forEach((v, i) => expect(v).toBeCloseTo(pd[i], 5));
          const want = tf.matMul(r, w, false, true).dataSync();
          frozen.dataSync().forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
          expect(Array.from(frozenMatMul(x, w).dataSync())).toEqual(
            Array.from(tf.matMul(x, w).dataSync()),
          );
          const ids = tf.tensor1d([2, 0, 2], 'int32');
          expect(Array.from(frozenGather(w, ids, 0).dataSync())).toEqual(
            Array.from(tf.gather(w, ids, 0).dataSync()),
          );
          const cols = tf.tensor1d([1, 0, 1], 'int32');
          expect(Array.from(frozenGather(w, cols, 1).dataSync())).toEqual(
            Array.from(tf.gather(w, cols, 1).dataSync()),
          );
        });
        // under a tape the frozen matmul adds no bytes beyond its output (a taped matMul keeps
        // W, which tfjs-wasm copies)
        const x = tf.randomUniform([4, 64], -1, 1, 'float32', 4) as tf.Tensor2D;
        const w = tf.randomUniform([64, 256], -1, 1, 'float32', 5) as tf.Tensor2D;
        const added = async (f: (a: tf.Tensor2D) => tf.Tensor) => {
          const p = await tf.profile(() => {
            const [g] = tf.grads((a: tf.Tensor) => f(a as tf.Tensor2D).sum())([x]);
            g.dispose();
          });
          return p.peakBytes;
        };
        const plainPeak = await added((a) => tf.matMul(a, w));
        const frozenPeak = await added((a) => frozenMatMul(a, w));
        expect(frozenPeak).toBeLessThanOrEqual(plainPeak);
        if (backend === 'wasm') expect(plainPeak - frozenPeak).toBeGreaterThanOrEqual(4 * 64 * 256);
        tf.dispose([x, w]);
      } finally {
        await tf.setBackend('cpu');
      }
    });
  }
});

describe('headLogits: a large head in column blocks on wasm', () => {
  it('gives the whole product, in blocks (wasm) and whole (cpu, or under a tape), leaving nothing', async () => {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const h = tf.randomUniform([3, 16], -1, 1, 'float32', 4) as tf.Tensor2D;
      const w = tf.randomUniform([16, 1000], -1, 1, 'float32', 5) as tf.Tensor2D;
      const whole = tf.matMul(h, w);
      const before = tf.memory().numTensors;
      // 16 x 1000 floats = 64 000 B in blocks of 16 000 B: 4 blocks of 250 columns on wasm
      const out: { y?: tf.Tensor } = {};
      const info = await tf.profile(() => (out.y = headLogits(h, w, 16_000)));
      const slices = info.kernels.filter((k) => k.name === 'Slice').length;
      const blocked = out.y!;
      expect(blocked.shape).toEqual([3, 1000]);
      expect(Array.from(blocked.dataSync())).toEqual(Array.from(whole.dataSync()));
      expect(tf.memory().numTensors).toBe(before + 1);
      // under a tape the plain product (its gradient is matMul's)
      const [dh] = tf.grads((a: tf.Tensor) => headLogits(a as tf.Tensor2D, w, 16_000).sum())([h]);
      expect(dh.shape).toEqual([3, 16]);
      tf.dispose([h, w, whole, blocked, dh]);
      expect({ backend, slices }).toEqual({ backend, slices: backend === 'wasm' ? 4 : 0 });
    }
  });
});
