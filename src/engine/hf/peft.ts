/**
 * LoRA adapters in PEFT's format, so `PeftModel.from_pretrained(base, folder)` loads what the
 * lab trained:
 *   adapter_model.safetensors  base_model.model.<module path>.lora_A.weight [r, in] and
 *                              .lora_B.weight [out, r], F32
 *   adapter_config.json        peft_type LORA, task_type CAUSAL_LM, r, lora_alpha,
 *                              target_modules, lora_dropout 0, bias "none", ...
 */
import type { LlamaModel } from '../model/llama';
import { LLAMA_LINEAR_MODULES, type LlamaLinear } from '../../contract/llamaModules';
import type { LoraOptions } from '../model/lora';
import { decodeSafetensors, encodeSafetensors, f32ToBytes, toFloat32 } from '../store/safetensors';

/** The prefix PEFT gives a causal LM's module names. */
export const PEFT_PREFIX = 'base_model.model.';

export interface PeftAdapterFiles {
  'adapter_model.safetensors': Uint8Array;
  'adapter_config.json': string;
}

/** adapter_config.json as PEFT writes it for a LoRA causal LM. */
export function peftAdapterConfig(o: LoraOptions, baseModel: string): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: o.rank,
    lora_alpha: o.alpha,
    lora_dropout: 0,
    target_modules: [...o.targetModules],
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    layers_to_transform: null,
    use_rslora: false,
    use_dora: false,
    revision: null,
  };
}

/** The model's adapters as PEFT files; throws when the model trains without LoRA. */
export async function peftAdapterFiles(
  model: LlamaModel,
  baseModel: string,
): Promise<PeftAdapterFiles> {
  const lora = model.lora;
  if (!lora)
    throw new Error('This model trains every weight (no LoRA); there are no adapters to export.');
  const arrays = await lora.toArrays();
  const tensors = [...arrays].map(
    ([name, data]) =>
      [
        PEFT_PREFIX + name,
        { dtype: 'F32' as const, shape: shapeOf(lora, name), bytes: f32ToBytes(data) },
      ] as [string, Parameters<typeof encodeSafetensors>[0][number][1]],
  );
  return {
    'adapter_model.safetensors': encodeSafetensors(tensors, { format: 'pt' }),
    'adapter_config.json': JSON.stringify(peftAdapterConfig(lora.options, baseModel), null, 2),
  };
}

function shapeOf(lora: NonNullable<LlamaModel['lora']>, name: string): number[] {
  const path = name.replace(/\.lora_[AB]\.weight$/, '');
  const pair = lora.pairs.get(path)!;
  return name.endsWith('.lora_A.weight') ? pair.a.shape : pair.b.shape;
}

/**
 * Reads PEFT adapter files: the LoRA options (seed 0: the values come from the file) and the
 * arrays by module path, ready for `model.lora.assign`.
 */
export function readPeftAdapters(files: PeftAdapterFiles): {
  options: LoraOptions;
  arrays: Map<string, Float32Array>;
} {
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(files['adapter_config.json']) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`adapter_config.json is not valid JSON (${(e as Error).message}).`);
  }
  if (cfg.peft_type !== 'LORA')
    throw new Error(`adapter_config.json: peft_type ${JSON.stringify(cfg.peft_type)} is not LORA.`);
  const targets = cfg.target_modules;
  if (!Array.isArray(targets) || targets.some((t) => !LLAMA_LINEAR_MODULES.includes(t))) {
    throw new Error(
      `adapter_config.json: target_modules must be a list of ${LLAMA_LINEAR_MODULES.join(', ')}.`,
    );
  }
  const options: LoraOptions = {
    rank: Number(cfg.r),
    alpha: Number(cfg.lora_alpha),
    targetModules: targets as LlamaLinear[],
    seed: 0,
  };
  const arrays = new Map<string, Float32Array>();
  for (const [name, t] of decodeSafetensors(files['adapter_model.safetensors']).tensors) {
    arrays.set(name.startsWith(PEFT_PREFIX) ? name.slice(PEFT_PREFIX.length) : name, toFloat32(t));
  }
  return { options, arrays };
}
