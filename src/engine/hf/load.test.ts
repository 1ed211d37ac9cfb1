import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, parseConfig } from '../../contract/config';
import { llamaParameterCount } from '../model/llamaConfig';
import { HF_URLS, presetConfig } from '../../contract/presets';
import { llamaConfigFromHf } from './config';
import { estimateMemory } from './memory';
import { LLAMA_LINEAR_MODULES } from '../../contract/llamaModules';
import { formatBytes } from '../../contract/format';
import { loadHfModel, readHfModelInfo } from './load';
import { type HfLoadProgress } from '../../contract/pretrained';
import { sourceFromFiles, sourceFromUrl } from './source';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dirOf = (name: string) => `test/fixtures/hf/${name}`;
/** The fixture folder as in-memory files (what the app gets from a file picker). */
function files(name: string, drop: string[] = []): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const f of readdirSync(dirOf(name))) {
    if (f.startsWith('expected') || drop.includes(f)) continue;
    out.set(`${name}/${f}`, new Uint8Array(readFileSync(`${dirOf(name)}/${f}`)));
  }
  return out;
}

describe('config.json', () => {
  const qwen = JSON.parse(readFileSync(`${dirOf('tiny-qwen2')}/config.json`, 'utf8'));
  const llama = JSON.parse(readFileSync(`${dirOf('tiny-llama')}/config.json`, 'utf8'));

  it('reads Llama (GQA, head_dim, llama3 rope, untied) and Qwen2 (biases, tied)', () => {
    expect(llamaConfigFromHf(llama)).toMatchObject({
      architecture: 'llama',
      heads: 4,
      kvHeads: 2,
      headDim: 16,
      qkvBias: false,
      oBias: false,
      tiedHead: false,
      rope: {
        theta: 10000,
        scaling: {
          type: 'llama3',
          factor: 8,
          lowFreqFactor: 1,
          highFreqFactor: 4,
          originalContext: 32,
        },
      },
    });
    expect(llamaConfigFromHf(qwen)).toMatchObject({
      architecture: 'qwen2',
      headDim: 8, // hidden_size / num_attention_heads
      qkvBias: true,
      oBias: false,
      tiedHead: true,
      rmsEps: 1e-6,
      rope: { theta: 1e6, scaling: null },
    });
    expect(
      llamaConfigFromHf({ ...qwen, rope_scaling: { type: 'linear', factor: 2 } }).rope.scaling,
    ).toEqual({ type: 'linear', factor: 2 });
    expect(llamaConfigFromHf(qwen, 128).context).toBe(128);
  });

  it('refuses what it cannot run, naming the field', () => {
    expect(() => llamaConfigFromHf({ ...qwen, model_type: 'gpt2' })).toThrow(
      /"model_type" "gpt2" is not supported.*llama and qwen2/,
    );
    expect(() => llamaConfigFromHf({ ...qwen, hidden_act: 'gelu' })).toThrow(/hidden_act/);
    expect(() => llamaConfigFromHf({ ...qwen, use_sliding_window: true })).toThrow(
      /use_sliding_window/,
    );
    expect(() =>
      llamaConfigFromHf({ ...llama, rope_scaling: { rope_type: 'yarn', factor: 4 } }),
    ).toThrow(/rope_scaling" type "yarn" is not supported \(supported: default, linear, llama3\)/);
    expect(() => llamaConfigFromHf({ ...qwen, num_key_value_heads: 3 })).toThrow(/multiple of/);
    expect(() => llamaConfigFromHf({ ...qwen, hidden_size: undefined })).toThrow(
      /"hidden_size" must be a positive integer/,
    );
    expect(() => llamaConfigFromHf('{oops')).toThrow(/config\.json: not valid JSON/);
  });

  it('estimates memory from config.json alone (SmolLM2-135M and Qwen2.5-0.5B shapes)', () => {
    // Published configs of the two preset models (the numbers only; nothing is downloaded).
    const smol = llamaConfigFromHf({
      model_type: 'llama',
      vocab_size: 49152,
      hidden_size: 576,
      intermediate_size: 1536,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      max_position_embeddings: 8192,
      rms_norm_eps: 1e-5,
      rope_theta: 100000,
      tie_word_embeddings: true,
    });
    expect(llamaParameterCount(smol)).toBe(134_515_008); // SmolLM2-135M
    const qwen05 = llamaConfigFromHf({
      model_type: 'qwen2',
      vocab_size: 151936,
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      max_position_embeddings: 32768,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000,
      tie_word_embeddings: true,
    });
    expect(llamaParameterCount(qwen05)).toBe(494_032_768); // Qwen2.5-0.5B
    const e = estimateMemory(qwen05, {
      torchDtype: 'bfloat16',
      lora: { rank: 16, targetModules: ['q_proj', 'v_proj'] },
    });
    expect(e.downloadBytes).toBe(494_032_768 * 2);
    expect(e.weightBytes).toBe(494_032_768 * 4);
    // q: r (896 + 896), v: r (896 + 128), 24 layers
    expect(e.trainableParameters).toBe(24 * 16 * (896 + 896 + 896 + 128));
    expect(e.totalBytes).toBe(e.weightBytes + e.trainableParameters * 4 * 4);
    expect(formatBytes(e.weightBytes)).toBe('2.0 GB');
    // LoRA keeps 24 block inputs and one block's activations per token (checkpointing)
    expect(e.activationBytesPerToken).toBe(4 * (24 * 896 + 6 * 896 + 3 * 4864));
    const full = estimateMemory(qwen05, { torchDtype: 'bfloat16', lora: null });
    expect(full.activationBytesPerToken).toBe(4 * (24 * (6 * 896 + 3 * 4864) + 2 * 151936));
    // merged decoding weights on WebGPU: q [896, 896] and v [128, 896] per layer
    expect(e.decodingMergeBytes).toBe(4 * 24 * (896 * 896 + 128 * 896));
    expect(full.decodingMergeBytes).toBe(0); // no adapters, nothing to merge
    const all = { rank: 8, targetModules: [...LLAMA_LINEAR_MODULES] };
    // SmolLM2 on all seven linears: 30 x (576^2 + 2 * 192 * 576 + 576^2 + 3 * 576 * 1536) floats
    expect(estimateMemory(smol, { lora: all }).decodingMergeBytes).toBe(
      4 * 30 * (2 * 576 * 576 + 2 * 192 * 576 + 3 * 576 * 1536),
    );
    expect(formatBytes(estimateMemory(smol, { lora: all }).decodingMergeBytes)).toBe('425 MB');
    // Qwen2.5-0.5B on all seven would need 1.43 GB: over the 1 GiB budget, so it does not merge
    expect(estimateMemory(qwen05, { lora: all }).decodingMergeBytes).toBe(0);
  });
});

describe('loading a model folder', () => {
  it('from picked files (sharded Qwen2), with progress to 1 and nothing leaked on failure', async () => {
    const progress: HfLoadProgress[] = [];
    const loaded = await loadHfModel(sourceFromFiles(files('tiny-qwen2')), {
      lora: null,
      onProgress: (p) => progress.push(p),
    });
    expect(loaded.config.architecture).toBe('qwen2');
    expect(progress.map((p) => p.phase)).toContain('download');
    expect(progress.filter((p) => p.phase === 'download').map((p) => p.file)).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    const fractions = progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b)); // never goes back
    expect(fractions[fractions.length - 1]).toBe(1);
    loaded.model.dispose();

    const before = tf.memory().numTensors;
    await expect(
      loadHfModel(sourceFromFiles(files('tiny-qwen2', ['model-00002-of-00002.safetensors'])), {
        lora: null,
      }),
    ).rejects.toThrow(
      /lacks model-00002-of-00002\.safetensors, a shard named in model\.safetensors\.index\.json/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the missing file or the mismatch', async () => {
    const load = (f: Map<string, Uint8Array>) => loadHfModel(sourceFromFiles(f), { lora: null });
    await expect(load(files('tiny-llama', ['config.json']))).rejects.toThrow(
      /picked files has no config\.json; a Hugging Face model folder needs/,
    );
    await expect(load(files('tiny-llama', ['tokenizer.json']))).rejects.toThrow(
      /no tokenizer\.json/,
    );
    await expect(load(files('tiny-llama', ['model.safetensors']))).rejects.toThrow(
      /has no model\.safetensors \(nor model\.safetensors\.index\.json\)/,
    );
    const wrong = files('tiny-llama');
    const cfg = JSON.parse(new TextDecoder().decode(wrong.get('tiny-llama/config.json')));
    wrong.set(
      'tiny-llama/config.json',
      new TextEncoder().encode(JSON.stringify({ ...cfg, intermediate_size: 41 })),
    );
    await expect(load(wrong)).rejects.toThrow(
      /tensor "model\.layers\.0\.mlp\.gate_proj\.weight" has shape \[40, 24\] but config\.json implies \[41, 24\]/,
    );
    const cut = files('tiny-llama');
    cut.set(
      'tiny-llama/model.safetensors',
      cut.get('tiny-llama/model.safetensors')!.subarray(0, 5000),
    );
    await expect(load(cut)).rejects.toThrow(
      /model\.safetensors: tensor .* was the download cut short\?/,
    );
  });

  it('from a base URL (fetch), reading only what it needs; 404 = absent, other errors named', async () => {
    const served = files('tiny-llama');
    const asked: string[] = [];
    const fakeFetch = (async (url: string) => {
      asked.push(url);
      const f = served.get(`tiny-llama/${url.split('/').pop()}`);
      if (!f) return new Response('not found', { status: 404 });
      return new Response(new Blob([f.slice()]), {
        headers: { 'content-length': String(f.byteLength) },
      });
    }) as unknown as typeof fetch;
    const source = sourceFromUrl('https://example.test/org/tiny/resolve/main', fakeFetch);
    const info = await readHfModelInfo(source, { lora: null });
    expect(asked).toEqual(['https://example.test/org/tiny/resolve/main/config.json']);
    expect(info.estimate.parameters).toBe(31224);
    const loaded = await loadHfModel(source, { lora: null });
    expect(asked).toContain(
      'https://example.test/org/tiny/resolve/main/model.safetensors.index.json',
    );
    expect(asked).toContain('https://example.test/org/tiny/resolve/main/model.safetensors');
    loaded.model.dispose();

    const denied = sourceFromUrl(
      'https://example.test/gated/',
      (async () =>
        new Response('', { status: 403, statusText: 'Forbidden' })) as unknown as typeof fetch,
    );
    await expect(readHfModelInfo(denied, { lora: null })).rejects.toThrow(
      /HTTP 403 Forbidden\. The model may be gated/,
    );
    const offline = sourceFromUrl('https://example.test/x/', (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch);
    await expect(readHfModelInfo(offline, { lora: null })).rejects.toThrow(/offline, or .*CORS/);
  });
});

describe('pretrained presets', () => {
  it('parse, point at the Hub with LoRA on, and old configs without a student section still parse', () => {
    for (const [name, url] of Object.entries(HF_URLS)) {
      const c = presetConfig(name);
      expect(c.student).toMatchObject({ source: 'hf', hf: url, lora: true });
      expect(c.sft.steps).toBe(0);
      expect(parseConfig(c)).toEqual(c);
    }
    expect(presetConfig('tiny').student.source).toBe('scratch');
    const { student: _drop, ...old } = presetConfig('tiny');
    expect(parseConfig(old).student.source).toBe('scratch');
    const local = applyOverride(presetConfig('smollm2-135m-instruct'), 'student.hf=/models/smol');
    expect(local.student.hf).toBe('/models/smol');
    expect(() => applyOverride(local, 'student.loraTargets=["qkv"]')).toThrow(
      /student\.loraTargets/,
    );
  });
});
