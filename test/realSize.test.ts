import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fillUniform,
  INIT_STD,
  randomLlama,
  REAL_SIZE_NAMES,
  REAL_SIZE_RL,
  realSizeLlamaConfig,
  realSizeRunConfig,
  realSizeStudent,
  realSizeTokenizer,
} from '../bench/realSize';
import '@tensorflow/tfjs-backend-wasm';
import { loadBenchPreset } from '../bench/presets';
import { runRlStep } from '../bench/step';
import { runTrain } from '../bench/train';
import { installFastWasmMatMul } from '../src/engine/backend/wasmMatMul';
import { llamaParameterCount, type LlamaConfig } from '../src/engine/model/llamaConfig';
import { loraParameterCount } from '../src/engine/model/lora';

describe('real-size bench students', () => {
  it('have the exact shapes of SmolLM2-135M and Qwen2.5-0.5B', () => {
    const smol = realSizeLlamaConfig('smollm2-135m');
    expect(smol).toMatchObject({
      architecture: 'llama',
      vocab: 49152,
      hidden: 576,
      intermediate: 1536,
      layers: 30,
      heads: 9,
      kvHeads: 3,
      headDim: 64,
      context: 8192,
      rmsEps: 1e-5,
      rope: { theta: 100000, scaling: null },
      qkvBias: false,
      oBias: false,
      tiedHead: true,
    });
    const qwen = realSizeLlamaConfig('qwen2.5-0.5b');
    expect(qwen).toMatchObject({
      architecture: 'qwen2',
      vocab: 151936,
      hidden: 896,
      intermediate: 4864,
      layers: 24,
      heads: 14,
      kvHeads: 2,
      headDim: 64,
      rmsEps: 1e-6,
      rope: { theta: 1000000, scaling: null },
      qkvBias: true,
      oBias: false,
      tiedHead: true,
    });
    // The Hub's model cards: 135M and 0.49B parameters.
    expect(llamaParameterCount(smol)).toBe(134_515_008);
    expect(llamaParameterCount(qwen)).toBe(494_032_768);
  });

  it('train with the lab presets’ LoRA (r 16, alpha 32, all seven linears) at 4 x 4 x 256', () => {
    for (const name of REAL_SIZE_NAMES) {
      const c = realSizeRunConfig(name);
      expect(c.rl).toMatchObject(REAL_SIZE_RL);
      // the lab preset's rows per update: SmolLM2 2, Qwen2.5 1
      expect(c.rl.miniBatches).toBe(name === 'smollm2-135m' ? 8 : 16);
      expect(c.rl.algo).toBe('thinktuning');
      const s = realSizeStudent(name, c);
      expect(s.lora).toMatchObject({ rank: 16, alpha: 32 });
      expect(s.lora.targetModules).toHaveLength(7);
      expect(s.trainableParameters).toBe(loraParameterCount(s.llama, s.lora));
    }
    // r (in + out) per module per layer: SmolLM2 q 576+576, k/v 576+192, o 576+576,
    // gate/up 576+1536, down 1536+576 -> 16 * 10176 * 30 layers
    expect(
      realSizeStudent('smollm2-135m', realSizeRunConfig('smollm2-135m')).trainableParameters,
    ).toBe(16 * 10176 * 30);
  });

  it('fills seeded uniform weights with the initializer std', () => {
    const a = new Float32Array(100_000);
    const b = new Float32Array(100_000);
    fillUniform(a, INIT_STD * Math.sqrt(3), 5);
    fillUniform(b, INIT_STD * Math.sqrt(3), 5);
    expect(a).toEqual(b);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    const std = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(std).toBeCloseTo(INIT_STD, 3);
  });

  it('loads as a bench preset with the fixture tokenizer and the real vocabulary', async () => {
    const p = await loadBenchPreset('smollm2-135m');
    expect(p.realSize?.llama.vocab).toBe(49152);
    expect([p.B, p.G, p.rows]).toEqual([4, 4, 16]);
    expect(p.tokenizer.vocabSize).toBeLessThan(49152);
    expect(p.tokenizer.decode([40000])).toBe(''); // ids past the tokenizer decode to nothing
    expect(realSizeTokenizer().eosId).toBe(p.tokenizer.eosId);
  });
});

describe('randomLlama', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('builds a LoRA student of a (small) config with no leaked tensors', () => {
    const c: LlamaConfig = {
      ...realSizeLlamaConfig('qwen2.5-0.5b'),
      vocab: 64,
      hidden: 32,
      intermediate: 48,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      headDim: 8,
    };
    const before = tf.memory().numTensors;
    const m = randomLlama(
      c,
      { rank: 2, alpha: 4, targetModules: ['q_proj', 'v_proj'], seed: 1 },
      3,
    );
    expect(m.variables()).toHaveLength(2 * 2 * 2);
    const logits = tf.tidy(() =>
      Array.from(m.forward(tf.tensor2d([[1, 2, 3]], undefined, 'int32')).logits.dataSync()),
    );
    expect(logits).toHaveLength(3 * 64);
    expect(logits.every(Number.isFinite)).toBe(true);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the bench parts on a real-size preset (shrunk model, same code path)', () => {
  beforeAll(async () => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    await tf.setBackend('wasm');
    expect(installFastWasmMatMul()).toBe(true);
  });

  it('trains LoRA and runs a ThinkTuning step with the fixture tokenizer, no leaks', async () => {
    const p = await loadBenchPreset('qwen2.5-0.5b', ['rl.maxNewTokens=6']);
    const llama: LlamaConfig = {
      ...p.realSize!.llama,
      vocab: 400, // > the tokenizer's 329, like the real one
      hidden: 32,
      intermediate: 48,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      headDim: 8,
    };
    const small = {
      ...p,
      realSize: { ...p.realSize!, llama, build: () => randomLlama(llama, p.realSize!.lora, 1) },
    };
    const before = tf.memory().numTensors;
    const train = await runTrain(small, { reps: 1, warmup: false }, () => {});
    expect(train.rows).toBe(1); // 16 rows / 16 mini-batches
    expect(train.train_tokens_per_s).toBeGreaterThan(0);
    const step = await runRlStep(small, { reps: 1, warmup: false }, () => {});
    expect([step.B, step.G, step.maxNewTokens, step.miniBatches]).toEqual([4, 4, 6, 16]);
    expect(step.warmup_s).toBeNull();
    expect(step.steps[0].rollout_tokens).toBeGreaterThan(0);
    expect(step.steps[0].train_tokens).toBeGreaterThan(0);
    expect(step.peak.wasm_heap_bytes).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
  });
});
