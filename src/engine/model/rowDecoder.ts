/**
 * sample()'s decoding steps for the lab's GPT-shaped student on WebGPU as one dispatch each
 * (rowDecodeStep.ts: one workgroup per row runs the whole forward pass and the token pick), plus
 * the copy of the picked ids that is read back and fed to the next step: 2 dispatches a step
 * instead of 6 a layer + 3. The decoder owns a state [n, 1 + L x H x capacity x 2 hd] per row
 * (the picked id, then every layer's keys and values) and a packed copy of the weights, made
 * once per sample() call (the weights do not change during a rollout).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import {
  ROW_MAX_DMODEL,
  rowDecodeLayout,
  rowDecodeStep,
  rowStateWidth,
} from '../backend/webgpu/rowDecodeStep';
import type { LayerKV, StepDecoder, StepDecoderOptions } from './causalLM';
import type { ModelConfig } from './config';
import { cachedLength, filledKV, fusedDecoding, preallocate } from './fusedDecode';
import type { ModelParams } from './params';

/** Switch for tests and comparisons: false leaves sample() on forward()'s per-layer kernels. */
export const rowDecoding = { enabled: true };

/** Why the one-dispatch step cannot run for this model and batch, or null when it can. */
export function rowDecoderUnavailable(
  c: ModelConfig,
  rows: number,
  capacity: number,
): string | null {
  if (tf.getBackend() !== 'webgpu') return 'not on webgpu';
  if (!fusedDecoding.enabled || !rowDecoding.enabled) return 'switched off';
  if (c.dModel > ROW_MAX_DMODEL) return `dModel ${c.dModel} > ${ROW_MAX_DMODEL}`;
  const limits = (tf.backend() as unknown as WebGPUBackend).device.limits;
  const stateBytes = 4 * rows * rowStateWidth(c, capacity);
  const weightBytes = 4 * rowDecodeLayout(c).size;
  const most = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (Math.max(stateBytes, weightBytes) > most)
    return `state ${stateBytes} or weights ${weightBytes} bytes > the device's ${most}`;
  // the kernel indexes the state with i32
  if (stateBytes / 4 >= 2 ** 31) return `state of ${stateBytes / 4} floats >= 2^31`;
  return null;
}

/** The weights in rowDecodeLayout's order, one tensor. */
function packWeights(c: ModelConfig, p: ModelParams, invFreq: tf.Tensor1D | null): tf.Tensor1D {
  const layout = rowDecodeLayout(c);
  const perLayer = Object.keys(layout.layer) as Array<keyof typeof layout.layer>;
  return tf.tidy(() => {
    const parts: tf.Tensor[] = p.blocks.flatMap((b) => perLayer.map((k) => b[k]));
    parts.push(p.lnfg, p.lnfb, p.wte, invFreq ?? p.wpe);
    const packed = tf.concat(parts.map((t) => t.reshape([-1])));
    if (packed.size !== layout.size)
      throw new Error(`rowDecoder: packed ${packed.size} weights; the layout has ${layout.size}.`);
    return packed as tf.Tensor1D;
  });
}

/** The prefill's caches as rows of the state: [id 0 | layer 0 [H, C, 2 hd] | layer 1 | ...]. */
function stateFrom(past: LayerKV[], capacity: number): tf.Tensor2D {
  return tf.tidy(() => {
    const B = past[0].k.shape[0];
    const layers = past.map((kv) => preallocate(filledKV(kv), capacity).reshape([B, -1]));
    return tf.concat([tf.zeros([B, 1]), ...layers], 1) as tf.Tensor2D;
  });
}

/**
 * A decoder for `past` (the prefill's caches, any layout; not consumed), or null where it does
 * not apply (rowDecoderUnavailable). Throws if the prefill already exceeds the capacity.
 */
export function openRowDecoder(
  c: ModelConfig,
  p: ModelParams,
  invFreq: () => tf.Tensor1D | null,
  past: LayerKV[],
  o: StepDecoderOptions,
): StepDecoder | null {
  const filled = cachedLength(past[0]);
  if (filled > o.capacity)
    throw new Error(`rowDecoder: ${filled} cached positions exceed the capacity ${o.capacity}.`);
  if (rowDecoderUnavailable(c, past[0].k.shape[0], o.capacity) !== null) return null;
  const weights = tf.keep(packWeights(c, p, invFreq()));
  let state = tf.keep(stateFrom(past, o.capacity));
  return {
    step(tokens, positions, length, noise) {
      const n = state.shape[0];
      return tf.tidy(() => {
        const old = state;
        state = tf.keep(
          rowDecodeStep(c, o.capacity, old, {
            weights,
            tokens,
            positions: tf.tensor1d(positions, 'int32'),
            noise: noise && tf.tensor2d(noise, [n, c.vocab]),
            length,
            temperature: o.temperature,
          }),
        );
        old.dispose();
        // column 0: the picked ids, copied out of the state (the next step overwrites them)
        return state.slice([0, 0], [n, 1]).reshape([n]) as tf.Tensor1D;
      });
    },
    keepRows(rows) {
      const old = state;
      state = tf.keep(tf.gather(old, rows));
      old.dispose();
    },
    dispose() {
      tf.dispose([state, weights]);
    },
  };
}
