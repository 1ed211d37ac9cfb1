import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sourceFromDir } from '../../cli/hfDir';
import { applyOverride, type RunConfig } from '../../contract/config';
import { buildTeacher } from '../teacher/build';
import { RlTrainer } from '../loop/trainer';
import { LlamaModel } from '../model/llama';
import { tokenScores } from '../model/logprobs';
import { loraParameterCount, type LoraOptions } from '../model/lora';
import { presetConfig } from '../../contract/presets';
import { decodeSafetensors } from '../store/safetensors';
import { generateProblems } from '../tasks/generated';
import { loadHfModel, loadHfTokenizer, type LoadedHfModel } from './load';
import { pretrainedCheckpoint } from './export';
import { peftAdapterFiles, readPeftAdapters, PEFT_PREFIX } from './peft';
import { sourceFromFiles } from './source';
import { loraOptionsFromConfig } from './student';

const LLAMA = 'test/fixtures/hf/tiny-llama';
const QWEN = 'test/fixtures/hf/tiny-qwen2';
const ALL = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
const lora: LoraOptions = { rank: 4, alpha: 8, targetModules: ALL, seed: 7 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const owned: Array<{ dispose(): void }> = [];
afterEach(() => owned.splice(0).forEach((m) => m.dispose()));

async function load(dir: string, o: LoraOptions | null): Promise<LoadedHfModel> {
  const l = await loadHfModel(sourceFromDir(dir), { lora: o });
  owned.push(l.model);
  return l;
}

const logitsOf = (m: LlamaModel, ids: number[][]) =>
  tf.tidy(() => m.forward(tf.tensor2d(ids, undefined, 'int32')).logits.dataSync());

describe('LoRA adapters', () => {
  it('start at the base model (B = 0) and are the only trainable variables', async () => {
    const base = await load(QWEN, null);
    const adapted = await load(QWEN, lora);
    const ids = [[1, 2, 3, 4, 5]];
    expect(Array.from(logitsOf(adapted.model, ids))).toEqual(Array.from(logitsOf(base.model, ids)));
    const c = adapted.config;
    // r (in + out) per adapted layer: q [32<-32], k,v [16<-32], o [32<-32], gate/up [48<-32], down [32<-48]
    const perLayer = 4 * (64 + 48 + 48 + 64 + 80 + 80 + 80);
    expect(loraParameterCount(c, lora)).toBe(2 * perLayer);
    expect(adapted.model.variables().reduce((n, v) => n + v.size, 0)).toBe(2 * perLayer);
    expect(adapted.model.variables()).toHaveLength(2 * 7 * 2); // layers x modules x {A, B}
    expect(base.model.variables().reduce((n, v) => n + v.size, 0)).toBe(base.estimate.parameters);
    expect(adapted.estimate.trainableParameters).toBe(2 * perLayer);
  });

  it('validates rank and target modules with clear messages', async () => {
    await expect(load(QWEN, { ...lora, rank: 0 })).rejects.toThrow(/rank must be a positive/);
    await expect(load(QWEN, { ...lora, targetModules: ['qkv' as never] })).rejects.toThrow(
      /Unknown LoRA target module "qkv".*q_proj/,
    );
  });
});

describe('LoRA gradients through the chunked frozen head and fused GQA attention', () => {
  it('equal central finite differences of the same loss (cpu, 2 rows with a key mask)', async () => {
    const { model } = await load(QWEN, { ...lora, seed: 3 });
    // move B off 0 so every adapter matters
    model
      .lora!.variables()
      .forEach((v, i) =>
        tf.tidy(() => v.assign(tf.randomUniform(v.shape, -0.2, 0.2, 'float32', 50 + i))),
      );
    const tokens = tf.tensor2d(
      [
        [1, 17, 40, 3, 99, 120, 5, 8],
        [2, 9, 9, 300, 41, 7, 0, 0],
      ],
      undefined,
      'int32',
    );
    const w = tf.randomUniform([2, 7], -1, 1, 'float32', 9);
    // loss = sum(w * (logp + 0.3 H)): both outputs of the scores carry gradient
    const loss = () =>
      tf.tidy(() => {
        const { logp, entropy } = tokenScores(model, tokens);
        return logp.add(entropy.mul(0.3)).mul(w).sum() as tf.Scalar;
      });
    const vars = model.variables();
    const { grads } = tf.variableGrads(loss, vars);
    const eps = 1e-2;
    // one entry of each of a few adapters (A and B, attention and MLP, both layers)
    for (const k of [0, 1, 5, 12, 27]) {
      const v = vars[k];
      const g = grads[v.name].dataSync()[3];
      const at = async (delta: number) => {
        const data = (await v.data()) as Float32Array;
        const moved = data.slice();
        moved[3] += delta;
        tf.tidy(() => v.assign(tf.tensor(moved, v.shape)));
        const l = loss();
        const out = l.dataSync()[0];
        l.dispose();
        tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
        return out;
      };
      const fd = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      expect(Math.abs(g - fd), `variable ${k} (${v.name}): ${g} vs ${fd}`).toBeLessThan(
        2e-3 + 2e-2 * Math.abs(fd),
      );
    }
    tf.dispose([tokens, w, ...Object.values(grads)]);
  });
});

/**
 * A Llama student that ends some rollouts early: the head's EOS row is scaled up, so EOS wins in
 * some contexts and not in others. Rewards then differ within groups (length penalty, and the
 * built-in teacher's correct guidance on finished rollouts), so the step has real advantages.
 */
const EOS_SCALE = 5;
async function eosLeaningLlama(o: LoraOptions | null): Promise<LoadedHfModel> {
  const full = await load(LLAMA, null);
  const arrays = await full.model.toArrays();
  const head = arrays.get('lm_head.weight')!;
  const d = full.config.hidden;
  const eos = full.tokenizer.eosId;
  for (let j = 0; j < d; j++) head[eos * d + j] *= EOS_SCALE;
  const model = LlamaModel.fromArrays(full.config, arrays, { lora: o });
  owned.push(model);
  return { ...full, model };
}

function rlConfig(algo: 'grpo' | 'thinktuning'): RunConfig {
  let c = presetConfig('smollm2-135m-instruct');
  for (const s of [
    `rl.algo=${algo}`,
    'rl.questionsPerStep=2',
    'rl.groupSize=4',
    'rl.maxNewTokens=10',
    'rl.miniBatches=2',
    'rl.lr=1e-2',
    'thinktuning.initialRate=0.5',
    'thinktuning.minRate=0.5',
    'teacher.concise=true',
    'thinktuning.schedule="constant"',
    'data.promptSuffix=""',
    'student.loraRank=4',
    'student.loraAlpha=8',
  ])
    c = applyOverride(c, s);
  return c;
}

describe('a ThinkTuning step on the pretrained-format model with LoRA', () => {
  // wasm: with a frozen embedding the gather lookup needs no gradient, so LoRA trains on wasm
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('changes the adapters only; base weights stay byte-identical; no tensor leaks', async () => {
    const c = rlConfig('thinktuning');
    const loraOpts = loraOptionsFromConfig(c)!;
    expect(loraOpts).toEqual({ rank: 4, alpha: 8, targetModules: [...ALL], seed: c.seed });
    const student = await eosLeaningLlama(loraOpts);
    const model = student.model;
    const baseBefore = new Map<string, Float32Array>();
    for (const [n, t] of model.weights()) baseBefore.set(n, (await t.data()) as Float32Array);
    const adaptersBefore = await model.lora!.toArrays();
    const tensorsBefore = tf.memory().numTensors;

    const items = generateProblems({ seed: 5, count: 8, levels: [1], split: 'train' });
    const trainer = new RlTrainer({
      config: c,
      model,
      tokenizer: student.tokenizer,
      trainItems: items,
      teacher: buildTeacher(c),
    });
    const r = await trainer.runStep();
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    // the step had a learning signal: finished and guided rollouts, rewards that differ
    expect(r.trajectories.some((t) => t.finished)).toBe(true);
    expect(r.trajectories.some((t) => t.guided)).toBe(true);
    expect(r.metrics.frac_reward_zero_std).toBeLessThan(1);

    for (const [n, t] of model.weights()) {
      const after = (await t.data()) as Float32Array;
      expect(Buffer.from(after.buffer).equals(Buffer.from(baseBefore.get(n)!.buffer)), n).toBe(
        true,
      );
    }
    const adaptersAfter = await model.lora!.toArrays();
    let changedB = 0;
    for (const [n, before] of adaptersBefore) {
      const after = adaptersAfter.get(n)!;
      const moved = after.some((v, i) => v !== before[i]);
      if (n.endsWith('lora_B.weight') && moved) changedB++;
    }
    // every B started at 0 and left it (A of a layer moves once its B is non-zero)
    expect(changedB).toBe(2 * ALL.length);
  });

  it('the KL reference shares the frozen base and keeps its own adapters', async () => {
    const student = await eosLeaningLlama(lora);
    const ref = student.model.clone();
    const ids = [[5, 6, 7, 8]];
    const before = logitsOf(ref, ids);
    student.model.lora!.pairs.forEach((p) => p.b.assign(tf.onesLike(p.b).mul(0.01)));
    expect(Array.from(logitsOf(ref, ids))).toEqual(Array.from(before)); // reference unchanged
    expect(Array.from(logitsOf(student.model, ids))).not.toEqual(Array.from(before));
    ref.dispose(); // releases the shared base once; the student still works
    expect(logitsOf(student.model, ids).length).toBe(4 * student.config.vocab);
  });
});

describe('a frozen model and the copies runs train', () => {
  it('withTraining: LoRA shares the frozen weights, full fine-tuning copies them', async () => {
    const frozen = await loadHfModel(sourceFromDir(QWEN), { lora: null, frozen: true });
    owned.push(frozen.model);
    expect(frozen.model.variables()).toEqual([]);
    const ids = [[7, 8, 9]];
    const base = Array.from(logitsOf(frozen.model, ids));
    const adapted = frozen.model.withTraining({ lora });
    const full = frozen.model.withTraining({ lora: null });
    expect(Array.from(logitsOf(adapted, ids))).toEqual(base);
    expect(Array.from(logitsOf(full, ids))).toEqual(base);
    expect(adapted.weights().get('model.norm.weight')).toBe(
      frozen.model.weights().get('model.norm.weight'),
    );
    expect(full.variables()).toHaveLength(frozen.model.weights().size);
    full.variables()[0].assign(tf.zerosLike(full.variables()[0])); // the copy's own weights
    expect(Array.from(logitsOf(frozen.model, ids))).toEqual(base);
    adapted.dispose();
    full.dispose();
    expect(Array.from(logitsOf(frozen.model, ids))).toEqual(base); // shared weights still alive
    expect(() => full.withTraining({ lora })).toThrow(/frozen model/);
  });
});

describe('PEFT export', () => {
  it('writes PEFT tensor names, shapes and adapter_config.json; loads back to the same logits', async () => {
    const student = await load(QWEN, lora);
    student.model.lora!.pairs.forEach((p, path) =>
      p.b.assign(tf.randomNormal(p.b.shape, 0, 0.1, 'float32', path.length)),
    );
    const files = await peftAdapterFiles(student.model, 'test/tiny-qwen2');
    const cfg = JSON.parse(files['adapter_config.json']);
    expect(cfg).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 4,
      lora_alpha: 8,
      lora_dropout: 0,
      bias: 'none',
      target_modules: [...ALL],
      base_model_name_or_path: 'test/tiny-qwen2',
    });
    const { tensors } = decodeSafetensors(files['adapter_model.safetensors']);
    expect(tensors.size).toBe(2 * 7 * 2);
    expect(
      tensors.get(`${PEFT_PREFIX}model.layers.0.self_attn.q_proj.lora_A.weight`)!.shape,
    ).toEqual([4, 32]);
    expect(
      tensors.get(`${PEFT_PREFIX}model.layers.0.self_attn.k_proj.lora_B.weight`)!.shape,
    ).toEqual([16, 4]);
    expect(tensors.get(`${PEFT_PREFIX}model.layers.1.mlp.down_proj.lora_A.weight`)!.shape).toEqual([
      4, 48,
    ]);
    expect(tensors.get(`${PEFT_PREFIX}model.layers.1.mlp.down_proj.lora_B.weight`)!.dtype).toBe(
      'F32',
    );

    const { options, arrays } = readPeftAdapters(files);
    const fresh = await load(QWEN, { ...options, seed: 99 });
    fresh.model.lora!.assign(arrays);
    const ids = [[3, 1, 4, 1, 5, 9]];
    expect(Array.from(logitsOf(fresh.model, ids))).toEqual(
      Array.from(logitsOf(student.model, ids)),
    );
  });

  it('refuses to export from a fully fine-tuned model', async () => {
    const full = await load(QWEN, null);
    await expect(peftAdapterFiles(full.model, 'x')).rejects.toThrow(/no LoRA/);
  });
});

describe('full fine-tuning', () => {
  it('saves the whole model as a Hugging Face folder that loads back to the same logits', async () => {
    for (const dir of [QWEN, LLAMA]) {
      const m = await load(dir, null);
      const v = m.model.variables();
      v.forEach((w, i) => w.assign(w.add(0.01 * (i + 1)))); // "trained" weights
      const ids = [[4, 5, 6, 7]];
      const { folder, files } = await pretrainedCheckpoint(m.model, m.hfConfig, dir);
      expect(folder).toBe('model');
      expect(JSON.parse(files['config.json'] as string).torch_dtype).toBe('float32');
      const tokenizerFiles = ['tokenizer.json', 'tokenizer_config.json'].map(
        (f) => [f, new Uint8Array(readFileSync(`${dir}/${f}`))] as const,
      );
      const back = await loadHfModel(
        sourceFromFiles([
          ...Object.entries(files).map(
            ([k, x]) => [k, typeof x === 'string' ? new TextEncoder().encode(x) : x] as const,
          ),
          ...tokenizerFiles,
        ]),
        { lora: null },
      );
      owned.push(back.model);
      const a = logitsOf(m.model, ids);
      const b = logitsOf(back.model, ids);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it('trains every weight, the embedding too, on wasm (one-hot lookup)', async () => {
    await tf.setBackend('wasm');
    try {
      const m = await load(QWEN, null);
      const tok = await loadHfTokenizer(sourceFromDir(QWEN));
      const ids = tf.tensor2d([tok.encode('The answer is 41.')], undefined, 'int32');
      const vars = m.model.variables();
      const { grads } = tf.variableGrads(() => {
        const { logits } = m.model.forward(ids, { embed: 'onehot' });
        return logits.square().mean() as tf.Scalar;
      }, vars);
      const embedGrad =
        grads[(m.model.weights().get('model.embed_tokens.weight') as tf.Variable).name];
      expect(embedGrad.abs().sum().dataSync()[0]).toBeGreaterThan(0);
      tf.dispose([ids, ...Object.values(grads)]);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
