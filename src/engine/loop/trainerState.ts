/**
 * The RL trainer's resumable state and its file, `trainer_state.safetensors`:
 *   tensors   optimizer.m.<i>, optimizer.v.<i>  AdamW moments (F32, one per model variable, in
 *                                               `model.variables()` order)
 *             reference.<name>                  KL reference weights (F32; only when klBeta > 0)
 *             data.order                        the shuffled question order (I32)
 *   metadata  format, version, step, rng_state, cursor, optimizer_t, has_reference
 * A standard safetensors file, so it opens in any safetensors reader.
 */
import type { CausalLM } from '../model/causalLM';
import { assertFinite } from '../model/weightsCheck';
import {
  decodeSafetensors,
  encodeSafetensors,
  f32ToBytes,
  i32ToBytes,
  toFloat32,
  type SafeTensor,
} from '../store/safetensors';

export interface TrainerState {
  /** RL steps finished. */
  step: number;
  /** The selection / shuffle generator's 32-bit state (mulberry32). */
  rngState: number;
  /** Indices into the training questions in the current pass's order ([] before the first). */
  order: number[];
  /** Next position in `order`. */
  cursor: number;
  optimizer: { t: number; m: Float32Array[]; v: Float32Array[] };
  /** The KL reference's weights by name (null when klBeta = 0). */
  reference: Map<string, Float32Array> | null;
}

export const TRAINER_STATE_FILE = 'trainer_state.safetensors';
const FORMAT = 'thinktuning-lab/trainer-state';
const VERSION = '1';

/**
 * Encodes a trainer state. `shapes` gives each optimizer moment's shape (the model variables')
 * and `referenceShapes` each reference tensor's, so other readers see real shapes.
 */
export function encodeTrainerState(
  s: TrainerState,
  shapes: number[][],
  referenceShapes: Map<string, number[]> = new Map(),
): Uint8Array {
  const f32 = (data: Float32Array, shape: number[]): SafeTensor => ({
    dtype: 'F32',
    shape,
    bytes: f32ToBytes(data),
  });
  const tensors: Array<[string, SafeTensor]> = [];
  s.optimizer.m.forEach((m, i) => tensors.push([`optimizer.m.${i}`, f32(m, shapes[i])]));
  s.optimizer.v.forEach((v, i) => tensors.push([`optimizer.v.${i}`, f32(v, shapes[i])]));
  for (const [name, data] of s.reference ?? [])
    tensors.push([`reference.${name}`, f32(data, referenceShapes.get(name) ?? [data.length])]);
  tensors.push([
    'data.order',
    { dtype: 'I32', shape: [s.order.length], bytes: i32ToBytes(Int32Array.from(s.order)) },
  ]);
  return encodeSafetensors(tensors, {
    format: FORMAT,
    version: VERSION,
    step: String(s.step),
    rng_state: String(s.rngState >>> 0),
    cursor: String(s.cursor),
    optimizer_t: String(s.optimizer.t),
    has_reference: String(s.reference !== null),
  });
}

/** Decodes `trainer_state.safetensors`; every problem names the field. */
export function decodeTrainerState(bytes: Uint8Array): TrainerState {
  const where = TRAINER_STATE_FILE;
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== FORMAT)
    throw new Error(
      `${where}: metadata "format" is ${JSON.stringify(metadata.format)}, expected "${FORMAT}"; this is not a lab trainer state.`,
    );
  if (metadata.version !== VERSION)
    throw new Error(
      `${where}: version ${JSON.stringify(metadata.version)} is not supported (this lab reads version ${VERSION}).`,
    );
  const int = (key: string): number => {
    const v = Number(metadata[key]);
    if (metadata[key] === undefined || !Number.isInteger(v) || v < 0)
      throw new Error(
        `${where}: metadata "${key}" is ${JSON.stringify(metadata[key])}, expected a non-negative integer.`,
      );
    return v;
  };
  const moments = (kind: 'm' | 'v'): Float32Array[] => {
    const out: Float32Array[] = [];
    for (let i = 0; tensors.has(`optimizer.${kind}.${i}`); i++) {
      const data = toFloat32(tensors.get(`optimizer.${kind}.${i}`)!);
      assertFinite(`${where}: tensor "optimizer.${kind}.${i}"`, data);
      out.push(data);
    }
    return out;
  };
  const m = moments('m');
  const v = moments('v');
  if (m.length !== v.length)
    throw new Error(`${where}: ${m.length} first moments (optimizer.m.*) but ${v.length} second.`);
  const orderT = tensors.get('data.order');
  if (!orderT || orderT.dtype !== 'I32')
    throw new Error(`${where}: tensor "data.order" (I32) is missing.`);
  const ov = new DataView(orderT.bytes.buffer, orderT.bytes.byteOffset, orderT.bytes.byteLength);
  const order = Array.from({ length: orderT.bytes.byteLength / 4 }, (_, i) =>
    ov.getInt32(i * 4, true),
  );
  let reference: Map<string, Float32Array> | null = null;
  if (metadata.has_reference === 'true') {
    reference = new Map();
    for (const [name, t] of tensors)
      if (name.startsWith('reference.')) {
        const data = toFloat32(t);
        assertFinite(`${where}: tensor "${name}"`, data);
        reference.set(name.slice(10), data);
      }
  }
  return {
    step: int('step'),
    rngState: int('rng_state'),
    order,
    cursor: int('cursor'),
    optimizer: { t: int('optimizer_t'), m, v },
    reference,
  };
}

/**
 * Checks a state fits the trainer it is restored into: the same number of questions, one pair
 * of moments per model variable of the same size, and KL reference weights when klBeta > 0.
 */
export function checkTrainerState(
  s: TrainerState,
  into: { questions: number; paramSizes: number[]; needsReference: boolean },
): void {
  const where = 'Trainer state';
  if (s.order.length !== 0 && s.order.length !== into.questions)
    throw new Error(
      `${where}: the data order covers ${s.order.length} questions but this run has ${into.questions}; resume with the run's own data settings (data.*).`,
    );
  if (s.cursor < 0 || s.cursor > s.order.length)
    throw new Error(`${where}: data cursor ${s.cursor} is outside 0..${s.order.length}.`);
  const n = into.paramSizes.length;
  if (s.optimizer.m.length !== n || s.optimizer.v.length !== n)
    throw new Error(
      `${where}: the optimizer has moments for ${s.optimizer.m.length} tensors but the model has ${n}; it belongs to another model shape.`,
    );
  into.paramSizes.forEach((size, i) => {
    if (s.optimizer.m[i].length !== size || s.optimizer.v[i].length !== size)
      throw new Error(
        `${where}: optimizer moment ${i} has ${s.optimizer.m[i].length} values but the model's tensor has ${size}; it belongs to another model shape.`,
      );
  });
  if (into.needsReference && s.reference === null)
    throw new Error(
      `${where} has no KL reference weights but rl.klBeta > 0; it was saved by a run without the KL term.`,
    );
}

/** Each reference tensor's shape, from the reference model's variables where they line up. */
export function referenceShapes(
  reference: CausalLM | null,
  arrays: Map<string, Float32Array> | null,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (!reference || !arrays) return out;
  const vars = reference.variables();
  [...arrays].forEach(([name, data], i) =>
    out.set(name, vars[i]?.size === data.length ? vars[i].shape : [data.length]),
  );
  return out;
}
