import * as tf from '@tensorflow/tfjs';
import { packBatch } from '../sft/batch';

export interface RolloutRow {
  prompt: number[];
  response: number[];
  /** Per response token: teacher-written (off-policy). */
  offPolicy: boolean[];
  /** The advantage: one for the whole response, or one per response token (prefixCredit.ts). */
  advantage: number | number[];
  /** Per response token: counted in the loss (default all); false drops it from the loss. */
  inLoss?: boolean[];
}

export interface PackedRollouts {
  tokens: tf.Tensor2D; // [N, T] prompt + response, right-padded
  responseMask: tf.Tensor2D; // [N, T-1] 1 where target t+1 is a response token in the loss
  offPolicyMask: tf.Tensor2D; // [N, T-1] 1 where that target is teacher-written
  advantages: tf.Tensor2D; // [N, T-1] that target's advantage (0 off the response)
  /** For row i, response token j sits at target index targetIndex[i] + j. */
  targetStart: number[];
  length: number;
}

/** Packs rollouts for scoring and the loss; masks are aligned with tokenScores' [N, T-1] output. */
export function packRollouts(rows: RolloutRow[], padId: number): PackedRollouts {
  const base = packBatch(
    rows.map((r) => ({ prompt: r.prompt, completion: r.response })),
    padId,
  );
  const T = base.length;
  const n = rows.length * (T - 1);
  const off = new Float32Array(n);
  const adv = new Float32Array(n);
  const mask = new Float32Array(n);
  const targetStart = rows.map((r) => r.prompt.length - 1);
  rows.forEach((r, i) => {
    r.response.forEach((_, j) => {
      const k = i * (T - 1) + targetStart[i] + j; // target index of response token j
      if (r.offPolicy[j]) off[k] = 1;
      adv[k] = typeof r.advantage === 'number' ? r.advantage : r.advantage[j];
      mask[k] = r.inLoss && !r.inLoss[j] ? 0 : 1;
    });
  });
  base.lossMask.dispose(); // the same response positions, less the tokens left out of the loss
  return {
    tokens: base.tokens,
    responseMask: tf.tensor2d(mask, [rows.length, T - 1]),
    offPolicyMask: tf.tensor2d(off, [rows.length, T - 1]),
    advantages: tf.tensor2d(adv, [rows.length, T - 1]),
    targetStart,
    length: T,
  };
}

export function disposePacked(p: PackedRollouts): void {
  tf.dispose([p.tokens, p.responseMask, p.offPolicyMask, p.advantages]);
}
