/**
 * The work of one decoding step (T = 1 with the KV cache), attributed to the transformer's
 * blocks through forward()'s onLayer probe: what one layer costs in kernels and, on WebGPU,
 * dispatches, submits, uploads and readbacks. No Node or DOM APIs (bench and tests share it).
 */
import * as tf from '@tensorflow/tfjs';
import { diffCounts, startWorkCounter, type WorkCounts } from '../src/engine/backend/counters';
import { mapKV, type LayerKV } from '../src/engine/model/causalLM';
import type { TransformerModel } from '../src/engine/model/transformer';

export interface DecodeStepCounts {
  /** Each block's work in the counted step (one entry per layer). */
  layers: WorkCounts[];
  /** The most any block did (what a per-layer target is checked against). */
  per_layer: WorkCounts;
  /** The whole forward of the step (embedding, blocks, head). */
  forward: WorkCounts;
}

/**
 * Prefills `rows` prompts of `promptTokens` tokens, runs one decoding step (the first one also
 * moves the cache into its decoding layout), then counts a second step. Leaves no tensors.
 */
export function countDecodeStep(
  model: TransformerModel,
  rows: number,
  promptTokens: number,
): DecodeStepCounts {
  const V = model.config.vocab;
  const ids = (T: number, salt: number) =>
    tf.tensor2d(
      Int32Array.from({ length: rows * T }, (_, i) => 1 + ((i * 7 + salt) % (V - 1))),
      [rows, T],
      'int32',
    );
  const keep = (present: LayerKV[]) => present.map((kv) => mapKV(kv, tf.keep));
  const drop = (past: LayerKV[]) => past.forEach((kv) => tf.dispose([kv.k, kv.v]));
  let past = tf.tidy(() => keep(model.forward(ids(promptTokens, 0), { lastOnly: true }).present));
  const step = (onLayer?: (l: number) => void) => {
    const old = past;
    past = tf.tidy(() => {
      const r = model.forward(ids(1, 3), { past: old, embed: 'gather', lastOnly: true, onLayer });
      return keep(r.present);
    });
    drop(old);
  };
  try {
    step();
    const marks: WorkCounts[] = [];
    const counter = startWorkCounter();
    let start: WorkCounts;
    try {
      start = counter.counts();
      step(() => marks.push(counter.counts()));
      marks.push(counter.counts());
    } finally {
      counter.restore();
    }
    // marks: before block 0 .. before block L-1, after the last block, after the whole step
    const L = model.config.layers;
    const layers = Array.from({ length: L }, (_, l) => diffCounts(marks[l + 1], marks[l]));
    const per_layer: WorkCounts = {};
    for (const c of layers)
      for (const [k, v] of Object.entries(c)) per_layer[k] = Math.max(per_layer[k] ?? 0, v);
    return { layers, per_layer, forward: diffCounts(marks[L + 1], start) };
  } finally {
    drop(past);
  }
}
