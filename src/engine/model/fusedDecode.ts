/**
 * TransformerModel's decoding step (T = 1 with a KV cache) as fused WebGPU kernels, 6 dispatches
 * per block instead of ~29:
 *   qkv = LN1(x) @ Wqkv + bqkv                               (fusedLinear)
 *   KV[:, :, S-1] = [rope(k), v]                             (appendKV, in place)
 *   y = softmax(scale rope(q) K^T + bias) V                  (decodeAttention)
 *   x1 = x + y @ Wo + bo                                     (fusedLinear)
 *   x2 = x1 + GELU(LN2(x1) @ W1 + b1) @ W2 + b2              (fusedLinear x2)
 * and the head LN_f(x) @ wte^T as one more. The cache of each layer is preallocated to the
 * model's context (LayerKV.length says how much is filled) and written in place, so a step
 * copies no keys. Used only on the webgpu backend for T = 1 with `past`; every other call
 * (training, scoring, prefill, other backends) takes TransformerModel's tfjs path unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { appendKV, decodeAttention, type RopeInputs } from '../backend/webgpu/decodeAttention';
import { fusedLinear } from '../backend/webgpu/fusedLinear';
import { shaped } from '../backend/webgpu/program';
import type { ForwardOptions, ForwardResult, LayerKV } from './causalLM';
import type { ModelConfig } from './config';
import { embedRows } from './fusedOps';
import type { ModelParams } from './params';

const EPS = 1e-5;

/** t as int32 (t itself when it is: a Cast is one more engine call a step). */
const asInt = <T extends tf.Tensor>(t: T): T => (t.dtype === 'int32' ? t : (t.toInt() as T));

/** Switch for tests and comparisons: false sends decoding down the tfjs path too. */
export const fusedDecoding = { enabled: true };

/** Whether forward() with these inputs runs the fused decoding step. */
export function fusedDecodeApplies(T: number, opts: ForwardOptions): boolean {
  return fusedDecoding.enabled && T === 1 && !!opts.past && tf.getBackend() === 'webgpu';
}

/** Positions filled in a layer's cache (all of axis 2 unless preallocated). */
export function cachedLength(kv: LayerKV): number {
  return kv.length ?? kv.k.shape[2];
}

/**
 * A layer's cache as the fused step keeps it: [B, H, C, 2 hd], keys in lanes [0, hd) and values
 * in [hd, 2 hd) (LayerKV.interleaved). A cache from the tfjs path (k, v [B, H, S, hd]) is
 * concatenated and padded to capacity C once, at the first step.
 */
export function preallocate(kv: LayerKV, capacity: number): tf.Tensor4D {
  if (kv.interleaved) return kv.k;
  const grow: Array<[number, number]> = [
    [0, 0],
    [0, 0],
    [0, capacity - kv.k.shape[2]],
    [0, 0],
  ];
  return tf.pad(tf.concat([kv.k, kv.v], 3), grow);
}

/**
 * A layer's filled keys and values, [B, H, S, hd] each, from any layout: the tfjs path's (k, v
 * as they are), a preallocated one (the first `length` positions) or the fused step's
 * interleaved one (k === v: keys in lanes [0, hd), values in [hd, 2 hd)).
 */
export function filledKV(kv: LayerKV): { k: tf.Tensor4D; v: tf.Tensor4D } {
  if (kv.length === undefined) return { k: kv.k, v: kv.v };
  const [B, H, , lanes] = kv.k.shape;
  const hd = kv.interleaved ? lanes / 2 : lanes;
  const size = [B, H, kv.length, hd];
  return {
    k: kv.k.slice([0, 0, 0, 0], size),
    v: kv.v.slice([0, 0, 0, kv.interleaved ? hd : 0], size),
  };
}

/**
 * One decoding step: tokens [B, 1] -> logits [B, 1, V] and the caches with the new token.
 * The caches of `opts.past` are written in place: the returned `present` are new handles on the
 * same buffers (dispose the old handles as usual; do not reuse a past for a second step).
 */
export function fusedDecodeStep(
  config: ModelConfig,
  p: ModelParams,
  tokens: tf.Tensor2D,
  opts: ForwardOptions,
  invFreq: tf.Tensor1D | null,
): ForwardResult {
  const { vocab: V, dModel: d, heads: H, context } = config;
  const hd = d / H;
  const B = tokens.shape[0];
  const past = opts.past!;
  if (past.length !== p.blocks.length)
    throw new Error(`past has ${past.length} layers; the model has ${p.blocks.length}.`);
  const pastLen = cachedLength(past[0]);
  const capacity = past[0].interleaved ? past[0].k.shape[2] : context;
  const S = pastLen + 1;
  if (S > capacity)
    throw new Error(
      `Decoding step ${S} exceeds the KV cache capacity (${capacity} = model.context); raise model.context or shorten the input.`,
    );
  const flat = shaped<tf.Tensor1D>(tokens, [B]);
  const tok =
    opts.embed === 'gather' ? tf.gather(p.wte, flat) : embedRows(p.wte as tf.Tensor2D, asInt(flat));
  const positions = opts.positions ?? tf.tensor2d(new Int32Array(B).fill(pastLen), [B, 1], 'int32');
  let x = (
    invFreq
      ? tok
      : tok.add(
          opts.positions
            ? tf.gather(p.wpe, opts.positions.reshape([B]).toInt())
            : p.wpe.slice([pastLen, 0], [1, d]),
        )
  ) as tf.Tensor2D; // [B, d]
  const rope: RopeInputs | undefined = invFreq
    ? { positions: asInt(shaped(positions, [B])), invFreq }
    : undefined;
  // default: causal at T = 1 is all zeros, nothing to add; [n, S] once, not once per layer
  const bias = opts.bias && shaped(opts.bias, [opts.bias.size / S, S]);
  const scale = 1 / Math.sqrt(hd);
  const present: LayerKV[] = [];
  p.blocks.forEach((blk, l) => {
    opts.onLayer?.(l);
    const out = tf.tidy(() => {
      const ln1 = { gamma: blk.ln1g, beta: blk.ln1b, eps: EPS };
      const qkv = fusedLinear(x, blk.wqkv, { bias: blk.bqkv, layerNorm: ln1 }); // [B, 3d]
      const kv = appendKV(preallocate(past[l], capacity), qkv, pastLen, rope);
      const y = decodeAttention(qkv, kv, { length: S, scale, bias, rope }); // [B, d]
      const x1 = fusedLinear(y, blk.wo, { bias: blk.bo, residual: x });
      const ln2 = { gamma: blk.ln2g, beta: blk.ln2b, eps: EPS };
      const h = fusedLinear(x1, blk.w1, { bias: blk.b1, layerNorm: ln2, act: 'gelu' });
      return { x: fusedLinear(h, blk.w2, { bias: blk.b2, residual: x1 }), kv };
    });
    present.push({ k: out.kv, v: out.kv, length: S, interleaved: true });
    x = out.x;
  });
  opts.onLayer?.(p.blocks.length);
  const lnf = { gamma: p.lnfg, beta: p.lnfb, eps: EPS };
  const logits = fusedLinear(x, p.wte, { layerNorm: lnf, transposeW: true }).reshape([B, 1, V]);
  return { logits: logits as tf.Tensor3D, present };
}
