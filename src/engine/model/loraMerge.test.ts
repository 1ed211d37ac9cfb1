import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayerKV } from './causalLM';
import { tinyQwen2 } from '../../../test/tinyQwen2';
import { LLAMA_LINEAR_MODULES } from '../../contract/llamaModules';
import { LlamaModel } from './llama';
import { llamaWeightShapes } from './llamaConfig';
import { MergedLora, mergesOn } from './loraMerge';
import { sample } from './sample';

/**
 * LoRA folded into the weights for cached decoding (loraMerge.ts): the same logits as the
 * adapters applied separately, rebuilt after an optimizer-style assign, never under a tape,
 * and nothing left behind once a rollout ends.
 */

const config = tinyQwen2({
  vocab: 64,
  hidden: 32,
  intermediate: 48,
  layers: 3,
  context: 64,
});
const ALL = LLAMA_LINEAR_MODULES;

let model: LlamaModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const arrays = new Map<string, Float32Array>();
  let k = 0;
  for (const [name, shape] of llamaWeightShapes(config)) {
    const t = name.endsWith('norm.weight')
      ? tf.ones(shape)
      : tf.randomUniform(shape, -0.2, 0.2, 'float32', 40 + k++);
    arrays.set(name, t.dataSync() as Float32Array);
    t.dispose();
  }
  model = LlamaModel.fromArrays(config, arrays, {
    lora: { rank: 4, alpha: 8, targetModules: ALL, seed: 3 },
  });
  randomizeAdapters(11);
});

afterAll(() => model.dispose());

/** Adapters off their zero-B start (as after training), assigned as an optimizer does. */
function randomizeAdapters(seed: number): void {
  model
    .lora!.variables()
    .forEach((v, i) =>
      tf.tidy(() => v.assign(tf.randomUniform(v.shape, -0.3, 0.3, 'float32', seed + i))),
    );
}

const keep = (p: LayerKV[]) => p.map((kv) => ({ ...kv, k: tf.keep(kv.k), v: tf.keep(kv.v) }));
const prompt = () => tf.tensor2d([3, 9, 14, 2, 7, 21, 5, 8, 30, 1], [2, 5], 'int32');
const next = () => tf.tensor2d([12, 40], [2, 1], 'int32');

/** Logits [2, 1, V] of one cached decoding step after a 5-token prompt. */
function decodeStepLogits(): Float32Array {
  const ids = prompt();
  const step = next();
  const past = tf.tidy(() => keep(model.forward(ids, { lastOnly: true }).present));
  const out = tf.tidy(() => model.forward(step, { past, lastOnly: true }).logits.dataSync());
  tf.dispose([ids, step, ...past.flatMap((kv) => [kv.k, kv.v])]);
  return out as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('MergedLora', () => {
  it('merges W^T + s A^T B^T by hand', () => {
    // W^T [in 2, out 3], A [r 1, in 2], B [out 3, r 1], s = 2
    const w = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const a = tf.tensor2d([1, -1], [1, 2]);
    const b = tf.tensor2d([0.5, 0, 2], [3, 1]);
    const m = new MergedLora();
    const merged = m.get(new Map([['p', { a, b }]]), () => w, 2);
    // s A^T B^T = 2 [[0.5, 0, 2], [-0.5, 0, -2]]
    expect(Array.from(merged.get('p')!.dataSync())).toEqual([2, 2, 7, 3, 5, 2]);
    m.release();
    tf.dispose([w, a, b]);
  });

  it('is on for WebGPU by default within its memory budget, and where asked', () => {
    expect(mergesOn('webgpu', 'webgpu', 425e6)).toBe(true); // SmolLM2-135M, all 7 linears
    expect(mergesOn('webgpu', 'webgpu', 1.43e9)).toBe(false); // Qwen2.5-0.5B
    expect(mergesOn('webgpu', 'wasm', 1e6)).toBe(false);
    expect(mergesOn('always', 'cpu', 1.43e9)).toBe(true);
    expect(mergesOn('never', 'webgpu', 1e6)).toBe(false);
  });
});

describe('LlamaModel decoding with LoRA merged', () => {
  it('gives the logits of the separate adapters', () => {
    model.mergeForDecoding = 'never';
    const separate = decodeStepLogits();
    model.mergeForDecoding = 'always';
    const merged = decodeStepLogits();
    model.releaseDecodeCache();
    // the adapters move the logits, so a merge that dropped them would fail
    model.mergeForDecoding = 'never';
    const lora = model.lora!;
    const saved = lora.variables().map((v) => v.clone());
    lora.variables().forEach((v) => v.assign(tf.zerosLike(v)));
    const base = decodeStepLogits();
    lora.variables().forEach((v, i) => v.assign(saved[i]));
    tf.dispose(saved);
    expect(maxAbsDiff(separate, base)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(merged, separate)).toBeLessThan(1e-5);
  });

  it('rebuilds the merged weights after the adapters change', () => {
    model.mergeForDecoding = 'always';
    decodeStepLogits(); // merged with the current adapters, and kept
    randomizeAdapters(77); // an optimizer step: new buffers
    const after = decodeStepLogits();
    model.mergeForDecoding = 'never';
    const expected = decodeStepLogits();
    model.mergeForDecoding = 'always';
    model.releaseDecodeCache();
    expect(maxAbsDiff(after, expected)).toBeLessThan(1e-5);
  });

  it('never merges under a tape: the adapters keep their gradients', () => {
    model.mergeForDecoding = 'always';
    const ids = prompt();
    const step = next();
    const past = tf.tidy(() => keep(model.forward(ids, { lastOnly: true }).present));
    const { grads } = tf.variableGrads(
      () => model.forward(step, { past, lastOnly: true }).logits.square().sum() as tf.Scalar,
      model.lora!.variables(),
    );
    const norms = Object.values(grads).map((g) => g.abs().sum().dataSync()[0]);
    expect(norms.length).toBe(2 * ALL.length * config.layers);
    expect(norms.every((n) => n > 0)).toBe(true);
    tf.dispose([ids, step, ...Object.values(grads), ...past.flatMap((kv) => [kv.k, kv.v])]);
    model.releaseDecodeCache();
  });

  it('leaves no tensors once a rollout ends, over several rollouts', async () => {
    model.mergeForDecoding = 'always';
    const opts = { maxNewTokens: 6, temperature: 1, topP: 1, seed: 1, eosId: 63, padId: 0 };
    model.releaseDecodeCache();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      randomizeAdapters(100 + i);
      await sample(
        model,
        [
          [1, 2, 3],
          [4, 5],
        ],
        { ...opts, seed: i },
      );
      expect(tf.memory().numTensors).toBe(before);
    }
    model.mergeForDecoding = 'never';
  });

  it('samples the same tokens merged as separate (greedy)', async () => {
    const opts = { maxNewTokens: 8, temperature: 0, topP: 1, seed: 1, eosId: 63, padId: 0 };
    const prompts = [[1, 2, 3], [4, 5], [9]];
    model.mergeForDecoding = 'never';
    const separate = await sample(model, prompts, opts);
    model.mergeForDecoding = 'always';
    const merged = await sample(model, prompts, opts);
    model.mergeForDecoding = 'never';
    expect(merged.tokens).toEqual(separate.tokens);
  });
});
