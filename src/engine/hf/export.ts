/**
 * What a run on a pretrained student saves: the LoRA adapters in PEFT's format (adapter/), or,
 * after full fine-tuning, the whole model as a Hugging Face folder (model/: model.safetensors
 * with the checkpoint's own tensor names in F32, config.json with torch_dtype float32, and the
 * tokenizer files), which transformers and the lab load again.
 */
import type { LlamaModel } from '../model/llama';
import { encodeSafetensors, f32ToBytes } from '../store/safetensors';
import type { HfConfigJson } from './config';
import { peftAdapterFiles } from './peft';

/** File name -> contents. */
export type FolderFiles = Record<string, Uint8Array | string>;

/** The files of a full fine-tuned model as a Hugging Face model folder (tokenizer not included). */
export async function hfModelFiles(
  model: LlamaModel,
  hfConfig: HfConfigJson,
): Promise<FolderFiles> {
  const tensors: Array<[string, { dtype: 'F32'; shape: number[]; bytes: Uint8Array }]> = [];
  for (const [name, w] of await model.hfWeights())
    tensors.push([name, { dtype: 'F32', shape: w.shape, bytes: f32ToBytes(w.data) }]);
  return {
    'model.safetensors': encodeSafetensors(tensors, { format: 'pt' }),
    'config.json': JSON.stringify({ ...hfConfig, torch_dtype: 'float32' }, null, 2),
  };
}

/**
 * The folder to save after training: {"adapter": PEFT files} with LoRA, else {"model": the
 * weights + config.json}. `base` names the base model in adapter_config.json.
 */
export async function pretrainedCheckpoint(
  model: LlamaModel,
  hfConfig: HfConfigJson,
  base: string,
): Promise<{ folder: 'adapter' | 'model'; files: FolderFiles }> {
  if (model.lora) return { folder: 'adapter', files: { ...(await peftAdapterFiles(model, base)) } };
  return { folder: 'model', files: await hfModelFiles(model, hfConfig) };
}
