import * as tf from '@tensorflow/tfjs';
import type {
  CausalLM,
  ForwardOptions,
  ForwardResult,
  LayerKV,
  StepDecoder,
  StepDecoderOptions,
} from './causalLM';
import { validateModelConfig, type ModelConfig } from './config';
import { cachedLength, filledKV, fusedDecodeApplies, fusedDecodeStep } from './fusedDecode';
import { attention, embedRows, geluOp, layerNormOp } from './fusedOps';
import {
  disposeParams,
  initParams,
  namedParams,
  paramsFromArrays,
  type ModelParams,
} from './params';
import { applyRope, ropeInvFreq, ropeTables } from './rope';
import { openRowDecoder } from './rowDecoder';

/** RoPE base for model.positions = 'rope' (the Llama / GPT-NeoX value). */
const ROPE_THETA = 10_000;

/**
 * The student: a decoder-only, pre-norm transformer (GPT-2 shape).
 *   x = wte[tokens] + wpe[positions]             (positions 'rope': x = wte[tokens], and
 *                                                 q, k rotated by position in every block)
 *   x = x + Attn(LN1(x)); x = x + MLP(LN2(x))   (per block)
 *   logits = LN_f(x) @ wte^T                     (tied head)
 */

const NEG = -1e9;

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * g + b (one op: fusedOps.ts). */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  return layerNormOp(eps)(x, g, b);
}

/** GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (one op: fusedOps.ts). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return geluOp(x);
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
  /** sample()'s steps as one dispatch each on WebGPU (rowDecoder.ts), where the model fits. */
  openStepDecoder(past: LayerKV[], o: StepDecoderOptions): StepDecoder | null {
    return openRowDecoder(this.config, this.params, () => this.invFreqForDecoding(), past, o);
  }

  /** RoPE's inverse frequencies on the device, for the fused WebGPU decoding step (lazy). */
  private decodeInvFreq?: tf.Tensor1D;

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

  /** Every trainable variable, in checkpoint order (with RoPE, the unused wpe is not one). */
  variables(): tf.Variable[] {
    const rope = this.config.positions === 'rope';
    return namedParams(this.params)
      .filter(([name]) => !(rope && name === 'wpe.weight'))
      .map(([, v]) => v);
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
    this.decodeInvFreq?.dispose();
    this.decodeInvFreq = undefined;
  }

  /** RoPE's inverse frequencies [hd/2] for the fused decoding step, uploaded once and kept. */
  private invFreqForDecoding(): tf.Tensor1D | null {
    if (this.config.positions !== 'rope') return null;
    const hd = this.config.dModel / this.config.heads;
    this.decodeInvFreq ??= tf.keep(
      tf.tensor1d(Float32Array.from(ropeInvFreq(hd, { theta: ROPE_THETA, scaling: null }))),
    );
    return this.decodeInvFreq;
  }

  /** RoPE cos/sin [B|1, 1, T, hd] for opts.positions or pastLength + 0..T-1. */
  private ropeTables(T: number, pastLen: number, opts: ForwardOptions) {
    const hd = this.config.dModel / this.config.heads;
    return tf.tidy(() => {
      const ids = opts.positions ?? tf.range(pastLen, pastLen + T, 1, 'int32').reshape([1, T]);
      return ropeTables(
        ids as tf.Tensor2D,
        tf.tensor1d(Float32Array.from(ropeInvFreq(hd, { theta: ROPE_THETA, scaling: null }))),
      );
    });
  }

  /** Full forward pass. tokens: [B, T] int32. Call inside tf.tidy or dispose the result. */
  forward(tokens: tf.Tensor2D, opts: ForwardOptions = {}): ForwardResult {
    const { vocab: V, dModel: d, heads: H, context } = this.config;
    const hd = d / H;
    const [B, T] = tokens.shape;
    if (fusedDecodeApplies(T, opts))
      return fusedDecodeStep(this.config, this.params, tokens, opts, this.invFreqForDecoding());
    const pastLen = opts.past?.[0] ? cachedLength(opts.past[0]) : 0;
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
        : embedRows(p.wte as tf.Tensor2D, flat.toInt()); // [B*T, d], gradient onehot^T dY
    const rope = this.config.positions === 'rope' ? this.ropeTables(T, pastLen, opts) : null;
    const pos = rope
      ? null
      : opts.positions
        ? tf.gather(p.wpe, opts.positions.reshape([B * T]).toInt()).reshape([B, T, d])
        : p.wpe.slice([pastLen, 0], [T, d]).reshape([1, T, d]);
    let x = (pos ? tok.reshape([B, T, d]).add(pos) : tok.reshape([B, T, d])) as tf.Tensor3D;
    const bias = opts.bias ?? causalBias(T, S);
    const scale = 1 / Math.sqrt(hd);
    const present: LayerKV[] = [];
    // x @ w + b as one kernel (fused bias); x: [rows, in]
    const linear = (x2: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.fused.matMul({ a: x2 as tf.Tensor2D, b: w as tf.Tensor2D, bias: b });
    // Each block in its own tidy: a block's intermediates (not what the gradient tape keeps) are
    // freed before the next block runs, so peak memory is one block's, not all of them.
    p.blocks.forEach((blk, l) => {
      opts.onLayer?.(l);
      const out = tf.tidy(() => {
        const h = layerNorm(x, blk.ln1g, blk.ln1b).reshape([B * T, d]);
        const qkv = linear(h, blk.wqkv, blk.bqkv); // [B*T, 3d] = [B, T, (q|k|v), H, hd]
        // q, k, v as [B, H, T, hd]. T = 1 (decoding): [B, d] already has that layout. Otherwise
        // one rank-4 transpose for all three ([B, T, 3H, hd] -> [B, 3H, T, hd]; rank 5 is slow on
        // wasm) and a split into thirds.
        const [q0, k0, v0] =
          T === 1
            ? tf.split(qkv, 3, 1)
            : tf.split(
                qkv
                  .reshape([B, T, 3 * H, hd])
                  .transpose([0, 2, 1, 3])
                  .reshape([B, 3, H * T * hd]),
                3,
                1,
              );
        let q = q0.reshape([B, H, T, hd]) as tf.Tensor4D;
        let k = k0.reshape([B, H, T, hd]) as tf.Tensor4D;
        if (rope) {
          // rotate by absolute position; the cache keeps rotated keys, so q.k sees i - j only
          q = applyRope(q, rope.cos, rope.sin);
          k = applyRope(k, rope.cos, rope.sin);
        }
        let v = v0.reshape([B, H, T, hd]) as tf.Tensor4D;
        const past = opts.past?.[l];
        if (past) {
          // its filled part (of a cache the fused WebGPU step preallocated, too)
          const filled = filledKV(past);
          k = tf.concat([filled.k, k], 2);
          v = tf.concat([filled.v, v], 2);
        }
        const yh = attention(q, k, v, bias, scale); // softmax(scale q k^T + bias) v: [B, H, T, hd]
        const y = (T === 1 ? yh : yh.transpose([0, 2, 1, 3])).reshape([B * T, d]); // [B*T, d]
        const x1 = x.add(linear(y, blk.wo, blk.bo).reshape([B, T, d]));
        const h2 = layerNorm(x1, blk.ln2g, blk.ln2b).reshape([B * T, d]);
        const m = linear(gelu(linear(h2, blk.w1, blk.b1)), blk.w2, blk.b2); // [B*T, d]
        return { x: x1.add(m.reshape([B, T, d])) as tf.Tensor3D, k, v };
      });
      present.push({ k: out.k, v: out.v });
      x = out.x;
    });
    opts.onLayer?.(p.blocks.length);
    if (rope) tf.dispose([rope.cos, rope.sin]);
    const Tout = opts.lastOnly ? 1 : T;
    // LayerNorm is per position: with lastOnly, normalise only the last one
    const last = opts.lastOnly ? x.slice([0, T - 1, 0], [B, 1, d]) : x;
    const logits = layerNorm(last, p.lnfg, p.lnfb)
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
