/**
 * Loads a Hugging Face model folder into a LlamaModel + HfTokenizer:
 *   config.json                    architecture and shape (hf/config.ts)
 *   tokenizer.json                 the tokenizer
 *   tokenizer_config.json          chat template, bos/eos/pad (optional but usual)
 *   generation_config.json         eos/bos ids when the above names none (optional)
 *   model.safetensors              the weights, or
 *   model.safetensors.index.json   + the shards its weight_map names
 * Weights in F32, F16 or BF16 become float32 tensors one at a time (a shard is never copied
 * whole); progress is reported per file downloaded and per tensor converted.
 */
import * as tf from '@tensorflow/tfjs';
import type { HfLoadProgress } from '../../contract/pretrained';
import { LlamaModel } from '../model/llama';
import { llamaWeightShapes, type LlamaConfig } from '../model/llamaConfig';
import type { LoraOptions } from '../model/lora';
import { llamaConfigFromHf, parseHfConfigJson, type HfConfigJson } from './config';
import { tensorToFloat32 } from './convert';
import { estimateMemory } from './memory';
import { type MemoryEstimate } from '../../contract/pretrained';
import { safetensorsViews } from '../store/safetensors';
import type { HfSource } from './source';
import { HfTokenizer } from './tokenizer';

export interface HfLoadOptions {
  /** LoRA adapters on a frozen base, or null for full fine-tuning. */
  lora: LoraOptions | null;
  /** With lora null: load frozen, for sampling and `model.withTraining` (the app's way). */
  frozen?: boolean;
  /** Cap on the context (max_position_embeddings); default: the config's. */
  maxContext?: number;
  onProgress?: (p: HfLoadProgress) => void;
}

export interface HfModelInfo {
  /** Where it came from (folder, URL, "picked files"). */
  label: string;
  hfConfig: HfConfigJson;
  config: LlamaConfig;
  estimate: MemoryEstimate;
}

export interface LoadedHfModel extends HfModelInfo {
  model: LlamaModel;
  tokenizer: HfTokenizer;
  /** Checkpoint tensors the model does not use (e.g. a tied head's lm_head.weight). */
  ignored: string[];
}

const FOLDER_HINT =
  'a Hugging Face model folder needs config.json, tokenizer.json, tokenizer_config.json and model.safetensors (or model.safetensors.index.json and its shards)';

async function readText(source: HfSource, name: string): Promise<string | null> {
  const bytes = await source.read(name);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

async function readJson(source: HfSource, name: string): Promise<Record<string, unknown> | null> {
  const text = await readText(source, name);
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${name} in ${source.label} is not valid JSON (${(e as Error).message}).`);
  }
}

/** config.json only: the shape and the memory estimate, before any weight is fetched. */
export async function readHfModelInfo(
  source: HfSource,
  opts: Pick<HfLoadOptions, 'lora' | 'maxContext'>,
): Promise<HfModelInfo> {
  const text = await readText(source, 'config.json');
  if (text === null) throw new Error(`${source.label} has no config.json; ${FOLDER_HINT}.`);
  const hfConfig = parseHfConfigJson(text);
  const config = llamaConfigFromHf(hfConfig, opts.maxContext);
  const estimate = estimateMemory(config, { torchDtype: hfConfig.torch_dtype, lora: opts.lora });
  return { label: source.label, hfConfig, config, estimate };
}

/** The tokenizer of a model folder. */
export async function loadHfTokenizer(
  source: HfSource,
  hfConfig?: HfConfigJson,
): Promise<HfTokenizer> {
  const tokenizerJson = await readJson(source, 'tokenizer.json');
  if (tokenizerJson === null)
    throw new Error(`${source.label} has no tokenizer.json; ${FOLDER_HINT}.`);
  return new HfTokenizer({
    tokenizerJson,
    tokenizerConfig: await readJson(source, 'tokenizer_config.json'),
    generationConfig: await readJson(source, 'generation_config.json'),
    modelConfig: (hfConfig as Record<string, unknown> | undefined) ?? null,
    chatTemplate: await readText(source, 'chat_template.jinja'),
  });
}

/** The weight files: the index's shards in order, or the single model.safetensors. */
async function weightFiles(source: HfSource): Promise<string[]> {
  const index = await readJson(source, 'model.safetensors.index.json');
  if (index === null) return ['model.safetensors'];
  const map = index.weight_map;
  if (!map || typeof map !== 'object')
    throw new Error('model.safetensors.index.json has no "weight_map" object.');
  return [...new Set(Object.values(map as Record<string, string>))];
}

export async function loadHfModel(source: HfSource, opts: HfLoadOptions): Promise<LoadedHfModel> {
  const report = opts.onProgress ?? (() => {});
  report({ phase: 'config', file: 'config.json', fraction: 0 });
  const info = await readHfModelInfo(source, opts);
  const tokenizer = await loadHfTokenizer(source, info.hfConfig);
  if (tokenizer.vocabSize > info.config.vocab) {
    throw new Error(
      `tokenizer.json has ${tokenizer.vocabSize} tokens but config.json's vocab_size is ${info.config.vocab}; the files belong to different models.`,
    );
  }
  const files = await weightFiles(source);
  const shapes = llamaWeightShapes(info.config);
  const tensors = new Map<string, tf.Tensor>();
  const ignored: string[] = [];
  const share = 1 / files.length;
  try {
    for (const [i, file] of files.entries()) {
      const bytes = await source.read(file, (loaded, total) =>
        report({
          phase: 'download',
          file,
          loaded,
          total,
          fraction: share * (i + 0.8 * (total ? loaded / total : 0)),
        }),
      );
      if (bytes === null) {
        throw new Error(
          files.length > 1
            ? `${source.label} lacks ${file}, a shard named in model.safetensors.index.json.`
            : `${source.label} has no model.safetensors (nor model.safetensors.index.json); ${FOLDER_HINT}.`,
        );
      }
      const views = safetensorsViews(bytes, file);
      let done = 0;
      for (const [name, t] of views) {
        done++;
        const shape = shapes.get(name);
        if (!shape) {
          ignored.push(name);
          continue;
        }
        if (t.shape.join(',') !== shape.join(',')) {
          throw new Error(
            `${file}: tensor "${name}" has shape [${t.shape.join(', ')}] but config.json implies [${shape.join(', ')}].`,
          );
        }
        tensors.set(name, tf.tensor(tensorToFloat32(t), shape, 'float32'));
        report({ phase: 'convert', file, fraction: share * (i + 0.8 + (0.2 * done) / views.size) });
      }
    }
    const model = LlamaModel.fromTensors(info.config, tensors, {
      lora: opts.lora,
      frozen: opts.frozen,
    });
    report({ phase: 'done', file: '', fraction: 1 });
    return { ...info, model, tokenizer, ignored };
  } catch (e) {
    for (const t of tensors.values()) if (!t.isDisposed) t.dispose();
    throw e;
  }
}
