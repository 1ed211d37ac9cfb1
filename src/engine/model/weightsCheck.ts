/**
 * The checks a lab model's weights pass before any tensor is built from them: every tensor the
 * config needs is there with its shape, none is left over, every value is finite, and the model
 * config saved inside the weights (safetensors metadata `model_config`) agrees with the one the
 * caller brings (a checkpoint's config.json). Messages name the tensor or the field; the caller
 * names the file. F16 and BF16 weights are read through `toFloat32`, so the checks hold for them.
 */
import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import { decodeSafetensors, toFloat32 } from '../store/safetensors';
import type { ModelConfig } from './config';
import { paramShapes } from './params';

/** Fields that fix a model's tensors and how it runs them, in the order messages list them. */
const SHAPE_FIELDS = ['vocab', 'dModel', 'layers', 'heads', 'context', 'mlpRatio'] as const;

/** Where the first non-finite value of `data` is, and how many there are (null: all finite). */
export function nonFinite(data: ArrayLike<number>): { count: number; first: number } | null {
  let count = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    if (count === 0) first = i;
    count++;
  }
  return count === 0 ? null : { count, first };
}

/** Throws when `data` (named `what`) holds NaN or ±Infinity. */
export function assertFinite(what: string, data: ArrayLike<number>): void {
  const bad = nonFinite(data);
  if (bad)
    throw new Error(
      `${what} has ${bad.count} non-finite value(s) (NaN or ±Infinity), the first at index ${bad.first}; a run cannot train or evaluate from it.`,
    );
}

/** The differences between two model configs, as "heads 8 vs 4" phrases (empty: the same). */
export function modelConfigDifferences(a: ModelConfig, b: ModelConfig): string[] {
  const out: string[] = [];
  for (const k of SHAPE_FIELDS) if (a[k] !== b[k]) out.push(`${k} ${a[k]} vs ${b[k]}`);
  const pa = a.positions ?? OPTIONAL_DEFAULTS.model.positions;
  const pb = b.positions ?? OPTIONAL_DEFAULTS.model.positions;
  if (pa !== pb) out.push(`positions "${pa}" vs "${pb}"`);
  return out;
}

/** The model config stored in a weights file's metadata, or null when it has none. */
function savedModelConfig(metadata: Record<string, string>): ModelConfig | null {
  if (metadata.model_config === undefined) return null;
  try {
    return JSON.parse(metadata.model_config) as ModelConfig;
  } catch {
    throw new Error('its "model_config" metadata is not valid JSON.');
  }
}

/**
 * The weights of a model with `config` as float arrays by tensor name, after every check above.
 * `step`, when given, must equal the step saved in the weights' metadata (when there is one).
 */
export function checkedModelArrays(
  bytes: Uint8Array,
  config: ModelConfig,
  step?: number,
): Map<string, Float32Array> {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const saved = savedModelConfig(metadata);
  if (saved) {
    const diff = modelConfigDifferences(config, saved);
    if (diff.length > 0)
      throw new Error(
        `the model config it was saved with differs from config.json (config.json vs weights: ${diff.join(', ')}); one of the two was edited or they come from different checkpoints.`,
      );
  }
  if (step !== undefined && metadata.step !== undefined && Number(metadata.step) !== step)
    throw new Error(
      `it was saved at step ${metadata.step} but config.json says step ${step}; the files come from different checkpoints.`,
    );
  const shapes = paramShapes(config);
  for (const name of tensors.keys())
    if (!shapes.has(name))
      throw new Error(
        `it holds tensor "${name}", which a model of config.json's shape (${SHAPE_FIELDS.map((k) => `${k} ${config[k]}`).join(', ')}) does not have; config.json does not describe these weights.`,
      );
  const arrays = new Map<string, Float32Array>();
  for (const [name, shape] of shapes) {
    const t = tensors.get(name);
    if (!t) throw new Error(`tensor "${name}", required by the model config, is missing.`);
    if (t.shape.join(',') !== shape.join(','))
      throw new Error(
        `tensor "${name}" has shape [${t.shape.join(', ')}] but the config needs [${shape.join(', ')}].`,
      );
    const data = toFloat32(t);
    assertFinite(`tensor "${name}"`, data);
    arrays.set(name, data);
  }
  return arrays;
}
