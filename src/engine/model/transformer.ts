import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from './causalLM';
import { validateModelConfig, type ModelConfig } from './config';
import {
  disposeParams,
  initParams,
  namedParams,
  paramsFromArrays,
  type ModelParams,
} from './params';

/**
 * The student: a decoder-only, pre-norm transformer (GPT-2 shape).
 *   x = wte[tokens] + wpe[positions]
 *   x = x + Attn(LN1(x)); x = x + MLP(LN2(x))   (per block)
 *   logits = LN_f(x) @ wte^T                     (tied head)
 */

/** Keys and values of one layer for the tokens seen so far. */
export interface LayerKV {
  k: tf.Tensor4D; // [B, H, S, hd]
  v: tf.Tensor4D; // [B, H, S, hd]
}

export interface ForwardOptions {
  /** Position id per token [B, T] (int32). Default: pastLength + 0..T-1 for every row. */
  positions?: tf.Tensor2D;
  /**
   * Additive attention bias broadcastable to [B, H, T, S] (0 = attend, -1e9 = blocked).
   * Default: causal over past + current tokens.
   */
  bias?: tf.Tensor;
  /** Cached keys/values per layer from earlier tokens. */
  past?: LayerKV[];
  /**
   * Embedding lookup: 'gather' (fast; no gradient on wasm) or 'onehot' (onehot(tokens) @ wte,
   * differentiable on every backend). Default 'onehot'.
   */
  embed?: 'gather' | 'onehot';
  /** Only compute logits for the last position (decoding). */
  lastOnly?: boolean;
}

export interface ForwardResult {
  logits: tf.Tensor3D; // [B, T or 1, V]
  present: LayerKV[]; // per layer, [B, H, S_past + T, hd]
}

const NEG = -1e9;

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * g + b. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x
    .sub(mean)
    .mul(tf.rsqrt(variance.add(eps)))
    .mul(g)
    .add(b);
}

/** GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function gelu(x: tf.Tensor): tf.Tensor {
  const c = Math.sqrt(2 / Math.PI);
  const inner = x.add(x.pow(3).mul(0.044715)).mul(c);
  return x.mul(0.5).mul(inner.tanh().add(1));
}

/** Causal bias [1, 1, T, S]: query i (at absolute position S-T+i) sees keys j <= S-T+i. */
export function causalBias(T: number, S: number): tf.Tensor4D {
  const data = new Float32Array(T * S);
  const offset = S - T;
  for (let i = 0; i < T; i++) for (let j = offset + i + 1; j < S; j++) data[i * S + j] = NEG;
  return tf.tensor4d(data, [1, 1, T, S]);
}

export class TransformerModel implements CausalLM {
  readonly config: ModelConfig;
  readonly params: ModelParams;

  constructor(config: ModelConfig, params: ModelParams) {
    validateModelConfig(config);
    this.config = config;
    this.params = params;
  }

  /** A fresh model with GPT-2 initialisation from `seed`. */
  static create(config: ModelConfig, seed: number): TransformerModel {
    validateModelConfig(config);
    return new TransformerModel(config, paramsFromArrays(config, initParams(config, seed)));
  }

  /** A model from named arrays (e.g. a loaded safetensors file). */
  static fromArrays(config: ModelConfig, arrays: Map<string, Float32Array>): TransformerModel {
    validateModelConfig(config);
    return new TransformerModel(config, paramsFromArrays(config, arrays));
  }

  /** Every trainable variable, in checkpoint order. */
  variables(): tf.Variable[] {
    return namedParams(this.params).map(([, v]) => v);
  }

  /** Reads all weights back as named arrays (for checkpoints). */
  async toArrays(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of namedParams(this.params))
      out.set(name, (await v.data()) as Float32Array);
    return out;
  }

  /** Copies weights from another model of the same config (e.g. a frozen reference). */
  copyFrom(other: TransformerModel): void {
    const src = namedParams(other.params);
    namedParams(this.params).forEach(([, v], i) => v.assign(src[i][1]));
  }

  /** A frozen copy with the current weights (the KL reference). */
  clone(): TransformerModel {
    const copy = TransformerModel.create(this.config, 0);
    copy.copyFrom(this);
    return copy;
  }

  dispose(): void {
    disposeParams(this.params);
  }

  /** Full forward pass. tokens: [B, T] int32. Call inside tf.tidy or dispose the result. */
  forward(tokens: tf.Tensor2D, opts: ForwardOptions = {}): ForwardResult {
    const { vocab: V, dModel: d, heads: H, context } = this.config;
    const hd = d / H;
    const [B, T] = tokens.shape;
    const pastLen = opts.past?.[0]?.k.shape[2] ?? 0;
    const S = pastLen + T;
    if (!opts.positions && S > context) {
      throw new Error(
        `Sequence of ${S} tokens exceeds the model context (${context}); raise model.context or shorten the input.`,
      );
    }
    const p = this.params;
    const flat = tokens.reshape([B * T]) as tf.Tensor1D;
    const tok =
      opts.embed === 'gather'
        ? tf.gather(p.wte, flat)
        : // onehot(tokens) @ wte; cast after oneHot because wasm's kernel ignores a float dtype
          tf.matMul(tf.oneHot(flat.toInt(), V).toFloat(), p.wte); // [B*T, d]
    const pos = opts.positions
      ? tf.gather(p.wpe, opts.positions.reshape([B * T]).toInt()).reshape([B, T, d])
      : p.wpe.slice([pastLen, 0], [T, d]).reshape([1, T, d]);
    let x = tok.reshape([B, T, d]).add(pos) as tf.Tensor3D; // [B, T, d]
    const bias = opts.bias ?? causalBias(T, S);
    const scale = 1 / Math.sqrt(hd);
    const present: LayerKV[] = [];
    p.blocks.forEach((blk, l) => {
      const h = layerNorm(x, blk.ln1g, blk.ln1b).reshape([B * T, d]);
      const qkv = h.matMul(blk.wqkv).add(blk.bqkv); // [B*T, 3d]
      const [q0, k0, v0] = tf.split(qkv, 3, 1);
      const heads = (t: tf.Tensor) =>
        t.reshape([B, T, H, hd]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
      const q = heads(q0); // [B, H, T, hd]
      let k = heads(k0);
      let v = heads(v0);
      const past = opts.past?.[l];
      if (past) {
        k = tf.concat([past.k, k], 2);
        v = tf.concat([past.v, v], 2);
      }
      present.push({ k, v });
      const att = tf.softmax(tf.matMul(q, k, false, true).mul(scale).add(bias)); // [B, H, T, S]
      const y = tf
        .matMul(att, v)
        .transpose([0, 2, 1, 3])
        .reshape([B * T, d]); // [B*T, d]
      x = x.add(y.matMul(blk.wo).add(blk.bo).reshape([B, T, d]));
      const h2 = layerNorm(x, blk.ln2g, blk.ln2b).reshape([B * T, d]);
      const m = gelu(h2.matMul(blk.w1).add(blk.b1)).matMul(blk.w2).add(blk.b2); // [B*T, d]
      x = x.add(m.reshape([B, T, d]));
    });
    let out = layerNorm(x, p.lnfg, p.lnfb) as tf.Tensor3D;
    const Tout = opts.lastOnly ? 1 : T;
    if (opts.lastOnly) out = out.slice([0, T - 1, 0], [B, 1, d]);
    const logits = out
      .reshape([B * Tout, d])
      .matMul(p.wte, false, true)
      .reshape([B, Tout, V]) as tf.Tensor3D;
    return { logits, present };
  }
}

/** Sum of the number of elements of all parameters. */
export function parameterCount(m: CausalLM): number {
  return m.variables().reduce((a, v) => a + v.size, 0);
}
