import * as tf from '@tensorflow/tfjs';

export interface PackedBatch {
  /** [B, T] int32: prompt + response, right-padded with padId. */
  tokens: tf.Tensor2D;
  /** [B, T-1] float: 1 where target token t+1 is a response token (the loss counts it). */
  lossMask: tf.Tensor2D;
  /** Response tokens in the batch (sum of the mask). */
  responseTokens: number;
  /** Length T of the packed rows. */
  length: number;
}

/**
 * Right-pads prompt+response pairs into one batch. Target index t predicts token t+1, so a
 * response token at position j is counted at mask index j-1.
 */
export function packBatch(
  rows: Array<{ prompt: number[]; completion: number[] }>,
  padId: number,
  maxLen?: number,
): PackedBatch {
  const lens = rows.map((r) => r.prompt.length + r.completion.length);
  const T = Math.max(2, Math.min(maxLen ?? Infinity, Math.max(...lens)));
  const B = rows.length;
  const ids = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * (T - 1));
  let count = 0;
  rows.forEach((r, b) => {
    const seq = [...r.prompt, ...r.completion].slice(0, T);
    seq.forEach((id, j) => (ids[b * T + j] = id));
    for (let j = r.prompt.length; j < seq.length; j++) {
      mask[b * (T - 1) + j - 1] = 1;
      count++;
    }
  });
  return {
    tokens: tf.tensor2d(ids, [B, T], 'int32'),
    lossMask: tf.tensor2d(mask, [B, T - 1]),
    responseTokens: count,
    length: T,
  };
}
