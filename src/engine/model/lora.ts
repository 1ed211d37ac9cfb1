import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../random';
import { linearPath, linearShape, type LlamaConfig } from './llamaConfig';
import { LLAMA_LINEAR_MODULES, type LlamaLinear } from '../../contract/llamaModules';

/**
 * LoRA (Hu et al., arXiv 2106.09685): a frozen linear layer W [out, in] plus a trainable
 * low-rank update,
 *   y = x W^T + (alpha / r) * (x A^T) B^T,   A [r, in], B [out, r]
 * A starts like PEFT's default (kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in))),
 * B starts at 0, so the adapted model starts exactly at the base model.
 */

export interface LoraOptions {
  /** r: rank of the update. */
  rank: number;
  /** lora_alpha: the update is scaled by alpha / r. */
  alpha: number;
  /** Linear layers that get adapters, by module name (PEFT's target_modules). */
  targetModules: readonly LlamaLinear[];
  /** Seed of A's initialisation. */
  seed: number;
}

export interface LoraPair {
  a: tf.Variable; // [r, in]
  b: tf.Variable; // [out, r]
}

/** Throws a message naming the bad option and the valid values. */
export function validateLoraOptions(o: LoraOptions): void {
  if (!Number.isInteger(o.rank) || o.rank < 1)
    throw new Error(`LoRA rank must be a positive integer (got ${o.rank}).`);
  if (!(o.alpha > 0)) throw new Error(`LoRA alpha must be positive (got ${o.alpha}).`);
  if (o.targetModules.length === 0)
    throw new Error(`LoRA needs at least one target module (${LLAMA_LINEAR_MODULES.join(', ')}).`);
  for (const m of o.targetModules) {
    if (!(LLAMA_LINEAR_MODULES as readonly string[]).includes(m)) {
      throw new Error(
        `Unknown LoRA target module "${m}". Valid modules: ${LLAMA_LINEAR_MODULES.join(', ')}.`,
      );
    }
  }
}

/** Adapters for every target module of every layer, keyed by module path. */
export class LoraAdapters {
  readonly options: LoraOptions;
  readonly scale: number;
  readonly pairs: Map<string, LoraPair>;

  private constructor(options: LoraOptions, pairs: Map<string, LoraPair>) {
    this.options = options;
    this.scale = options.alpha / options.rank;
    this.pairs = pairs;
  }

  /** Fresh adapters: A ~ U(-1/sqrt(in), 1/sqrt(in)) from the seed, B = 0. */
  static create(c: LlamaConfig, options: LoraOptions): LoraAdapters {
    validateLoraOptions(options);
    const rng = mulberry32(options.seed);
    const arrays = new Map<string, Float32Array>();
    for (const [path, name, shape] of loraTensorList(c, options)) {
      const data = new Float32Array(shape[0] * shape[1]);
      if (name === 'lora_A') {
        const bound = 1 / Math.sqrt(shape[1]);
        for (let i = 0; i < data.length; i++) data[i] = (2 * rng.next() - 1) * bound;
      }
      arrays.set(`${path}.${name}.weight`, data);
    }
    return LoraAdapters.fromArrays(c, options, arrays);
  }

  /** Adapters from arrays named "<module path>.lora_A.weight" / ".lora_B.weight". */
  static fromArrays(
    c: LlamaConfig,
    options: LoraOptions,
    arrays: Map<string, Float32Array>,
    trainable = true,
  ): LoraAdapters {
    validateLoraOptions(options);
    const pairs = new Map<string, LoraPair>();
    const v = (key: string, shape: [number, number]): tf.Variable => {
      const data = arrays.get(key);
      if (!data) throw new Error(`LoRA adapters lack tensor "${key}".`);
      if (data.length !== shape[0] * shape[1]) {
        throw new Error(
          `LoRA tensor "${key}" has ${data.length} values; rank ${options.rank} needs [${shape.join(', ')}].`,
        );
      }
      return tf.tidy(() => tf.variable(tf.tensor2d(data, shape), trainable));
    };
    const list = loraTensorList(c, options);
    for (let i = 0; i < list.length; i += 2) {
      const [path, , shapeA] = list[i];
      const [, , shapeB] = list[i + 1];
      pairs.set(path, {
        a: v(`${path}.lora_A.weight`, shapeA),
        b: v(`${path}.lora_B.weight`, shapeB),
      });
    }
    return new LoraAdapters(options, pairs);
  }

  /** A frozen copy (for the KL reference). */
  copy(trainable = false): LoraAdapters {
    const pairs = new Map<string, LoraPair>();
    for (const [path, p] of this.pairs) {
      pairs.set(path, { a: tf.variable(p.a, trainable), b: tf.variable(p.b, trainable) });
    }
    return new LoraAdapters(this.options, pairs);
  }

  /** Sets every adapter from arrays named like {@link toArrays}' (e.g. loaded PEFT files). */
  assign(arrays: Map<string, Float32Array>): void {
    for (const [path, p] of this.pairs) {
      for (const [key, v] of [
        [`${path}.lora_A.weight`, p.a],
        [`${path}.lora_B.weight`, p.b],
      ] as const) {
        const data = arrays.get(key);
        if (!data) throw new Error(`The adapter file lacks "${key}".`);
        if (data.length !== v.size) {
          throw new Error(
            `Adapter "${key}" has ${data.length} values but this model needs [${v.shape.join(', ')}]; check r and the base model.`,
          );
        }
        tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
      }
    }
  }

  /** The adapter variables in a stable order (A then B per module). */
  variables(): tf.Variable[] {
    return [...this.pairs.values()].flatMap((p) => [p.a, p.b]);
  }

  /** Every adapter tensor read back, named "<module path>.lora_A.weight" / ".lora_B.weight". */
  async toArrays(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [path, p] of this.pairs) {
      out.set(`${path}.lora_A.weight`, (await p.a.data()) as Float32Array);
      out.set(`${path}.lora_B.weight`, (await p.b.data()) as Float32Array);
    }
    return out;
  }

  dispose(): void {
    for (const p of this.pairs.values()) {
      p.a.dispose();
      p.b.dispose();
    }
  }
}

/** [module path, 'lora_A' | 'lora_B', shape] for every adapter tensor, A before B. */
export function loraTensorList(
  c: LlamaConfig,
  o: Pick<LoraOptions, 'rank' | 'targetModules'>,
): Array<[string, 'lora_A' | 'lora_B', [number, number]]> {
  const out: Array<[string, 'lora_A' | 'lora_B', [number, number]]> = [];
  for (let l = 0; l < c.layers; l++) {
    for (const m of LLAMA_LINEAR_MODULES) {
      if (!o.targetModules.includes(m)) continue;
      const [outDim, inDim] = linearShape(c, m);
      const path = linearPath(l, m);
      out.push([path, 'lora_A', [o.rank, inDim]], [path, 'lora_B', [outDim, o.rank]]);
    }
  }
  return out;
}

/** Number of adapter parameters: sum over adapted layers of r (in + out). */
export function loraParameterCount(
  c: LlamaConfig,
  o: Pick<LoraOptions, 'rank' | 'targetModules'>,
): number {
  return loraTensorList(c, o).reduce((n, [, , s]) => n + s[0] * s[1], 0);
}

/**
 * ((alpha/r) x A^T) B^T: x [N, in], A [r, in], B [out, r] -> [N, out]. The scale is applied to
 * the [N, r] product, not the [N, out] one: the same value, and the tape keeps an [N, r] tensor
 * for the multiply's gradient instead of an [N, out] one.
 */
export function loraDelta(x: tf.Tensor2D, a: tf.Tensor, b: tf.Tensor, scale: number): tf.Tensor2D {
  const xa = tf.matMul(x, a as tf.Tensor2D, false, true).mul(scale) as tf.Tensor2D; // [N, r]
  return tf.matMul(xa, b as tf.Tensor2D, false, true) as tf.Tensor2D;
}
