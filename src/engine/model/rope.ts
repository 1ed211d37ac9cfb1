import * as tf from '@tensorflow/tfjs';

/**
 * Rotary position embeddings as Hugging Face's Llama and Qwen2 apply them (arXiv 2104.09864,
 * the "rotate_half" layout: the two halves of each head are the pairs, not interleaved lanes).
 *
 *   inv_freq_i = theta^(-2i / hd),  i = 0 .. hd/2-1        (then rescaled, see below)
 *   angle[t, i] = pos_t * inv_freq_i;  cos/sin = [angle, angle] over the head (hd lanes)
 *   rope(x) = x * cos + rotate_half(x) * sin,  rotate_half([x1, x2]) = [-x2, x1]
 */

export type RopeScaling =
  /** Positions divided by `factor` (HF "linear"): inv_freq / factor. */
  | { type: 'linear'; factor: number }
  /** Llama 3.1's per-frequency rescaling (HF "llama3"). */
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalContext: number;
    };

export interface RopeConfig {
  /** rope_theta: the base of the frequencies. */
  theta: number;
  scaling: RopeScaling | null;
}

/**
 * The inverse frequencies, hd/2 of them (float64 here; float32 on the device).
 * llama3: with wavelen = 2π / f, low = original / lowFreqFactor, high = original / highFreqFactor:
 *   wavelen < high -> f;   wavelen > low -> f / factor;
 *   else (1 - s) f / factor + s f,  s = (original / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor).
 */
export function ropeInvFreq(headDim: number, rope: RopeConfig): Float64Array {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / rope.theta ** ((2 * i) / headDim);
  const s = rope.scaling;
  if (s?.type === 'linear') return inv.map((f) => f / s.factor);
  if (s?.type === 'llama3') {
    const lowWavelen = s.originalContext / s.lowFreqFactor;
    const highWavelen = s.originalContext / s.highFreqFactor;
    return inv.map((f) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < highWavelen) return f;
      if (wavelen > lowWavelen) return f / s.factor;
      const smooth =
        (s.originalContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      return ((1 - smooth) * f) / s.factor + smooth * f;
    });
  }
  return inv;
}

/**
 * cos and sin tables for positions [B|1, T] (any numeric dtype): each [B|1, 1, T, hd], ready to
 * broadcast over the heads of [B, heads, T, hd].
 */
export function ropeTables(
  positions: tf.Tensor2D,
  invFreq: tf.Tensor1D,
): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const [B, T] = positions.shape;
  const half = invFreq.shape[0];
  const angle = positions
    .toFloat()
    .reshape([B, T, 1])
    .mul(invFreq.reshape([1, 1, half])); // [B, T, hd/2]
  const full = tf.concat([angle, angle], 2).reshape([B, 1, T, 2 * half]);
  return { cos: full.cos() as tf.Tensor4D, sin: full.sin() as tf.Tensor4D };
}

/**
 * rotate_half as a signed permutation matrix R [hd, hd]: x @ R = [-x2, x1] (R[half + j, j] = -1,
 * R[j, half + j] = 1). One matmul (exact: one +-1 term per output) instead of two strided slices,
 * a negation and a concat, which cost several kernels per call and run as JS loops on wasm.
 */
function rotateHalfMatrix(hd: number): tf.Tensor2D {
  const half = hd / 2;
  const r = new Float32Array(hd * hd);
  for (let j = 0; j < half; j++) {
    r[(half + j) * hd + j] = -1;
    r[j * hd + half + j] = 1;
  }
  return tf.tensor2d(r, [hd, hd]);
}

/** rope(x) = x * cos + rotate_half(x) * sin for x [B, heads, T, hd]. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, T, hd] = x.shape;
    const rotated = x
      .reshape([B * H * T, hd])
      .matMul(rotateHalfMatrix(hd))
      .reshape([B, H, T, hd]);
    return x.mul(cos).add(rotated.mul(sin)) as tf.Tensor4D;
  });
}
