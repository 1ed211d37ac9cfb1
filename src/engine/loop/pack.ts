import * as tf from '@tensorflow/tfjs';
import { packBatch } from '../sft/batch';

export interface RolloutRow {
  prompt: number[];
  response: number[];
  /** Per response token: teacher-written (off-policy). */
  offPolicy: boolean[];
}

export interface PackedRollouts {
  tokens: tf.Tensor2D; // [N, T] prompt + response, right-padded
  responseMask: tf.Tensor2D; // [N, T-1] 1 where target t+1 is a response token
  offPolicyMask: tf.Tensor2D; // [N, T-1] 1 where that target is teacher-written
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
  const off = new Float32Array(rows.length * (T - 1));
  const targetStart = rows.map((r) => r.prompt.length - 1);
  rows.forEach((r, i) => {
    r.offPolicy.forEach((f, j) => {
      if (f) off[i * (T - 1) + targetStart[i] + j] = 1;
    });
  });
  return {
    tokens: base.tokens,
    responseMask: base.lossMask,
    offPolicyMask: tf.tensor2d(off, [rows.length, T - 1]),
    targetStart,
    length: T,
  };
}

export function disposePacked(p: PackedRollouts): void {
  tf.dispose([p.tokens, p.responseMask, p.offPolicyMask]);
}
