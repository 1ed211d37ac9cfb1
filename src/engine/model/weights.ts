import {
  decodeSafetensors,
  encodeSafetensors,
  f32ToBytes,
  f32ToF16Bytes,
  type SafeTensor,
} from '../store/safetensors';
import { paramShapes } from './params';
import { validateModelConfig, type ModelConfig } from './config';
import { TransformerModel } from './transformer';
import { checkedModelArrays } from './weightsCheck';

/**
 * The model's weights as a safetensors file (GPT-2 tensor names), config in metadata. F32 by
 * default; F16 halves the file (shipped students) at a relative rounding error of at most 2^-11.
 */
export async function modelToSafetensors(
  model: TransformerModel,
  extra: Record<string, string> = {},
  dtype: 'F32' | 'F16' = 'F32',
): Promise<Uint8Array> {
  const arrays = await model.toArrays();
  const shapes = paramShapes(model.config);
  const tensors: Array<[string, SafeTensor]> = [];
  const encode = dtype === 'F16' ? f32ToF16Bytes : f32ToBytes;
  for (const [name, data] of arrays)
    tensors.push([name, { dtype, shape: shapes.get(name)!, bytes: encode(data) }]);
  return encodeSafetensors(tensors, {
    format: 'pt',
    model_config: JSON.stringify(model.config),
    ...extra,
  });
}

/** Reads the model config stored in a lab-written safetensors file's metadata. */
export function configFromSafetensors(bytes: Uint8Array): ModelConfig {
  const { metadata } = decodeSafetensors(bytes);
  if (!metadata.model_config) {
    throw new Error(
      'This safetensors file has no model_config metadata; pass the model config (config.json) alongside it.',
    );
  }
  const c = JSON.parse(metadata.model_config) as ModelConfig;
  validateModelConfig(c);
  return c;
}

/**
 * Builds a model from safetensors bytes: every tensor the config needs with its shape, none left
 * over, all finite, and the saved model config equal to `config` (weightsCheck.ts). Messages
 * start with "model.safetensors:".
 */
export function modelFromSafetensors(bytes: Uint8Array, config?: ModelConfig): TransformerModel {
  const cfg = config ?? configFromSafetensors(bytes);
  let arrays: Map<string, Float32Array>;
  try {
    arrays = checkedModelArrays(bytes, cfg);
  } catch (e) {
    throw new Error(`model.safetensors: ${(e as Error).message}`);
  }
  return TransformerModel.fromArrays(cfg, arrays);
}
