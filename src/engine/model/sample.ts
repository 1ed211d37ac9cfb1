import * as tf from '@tensorflow/tfjs';
import { mixSeed, mulberry32 } from '../random';
import { gumbelPick } from '../backend/webgpu/gumbelPick';
import { flushWebGPU } from '../backend/webgpu/program';
import { mapKV, type CausalLM, type LayerKV, type StepDecoder } from './causalLM';
import { fusedDecoding } from './fusedDecode';

export interface SampleOptions {
  /** Most tokens generated per sequence (EOS included). */
  maxNewTokens: number;
  /** Softmax temperature; 0 = greedy (argmax). */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose mass reaches topP (1 = off). */
  topP: number;
  /** Seed of the sampling noise; same seed + backend + inputs = same samples. */
  seed: number;
  /** A sequence stops after emitting this id. */
  eosId: number;
  /** Filler written for rows that already stopped. */
  padId: number;
  /** Use the KV cache (default true); false recomputes the whole prefix every step. */
  useCache?: boolean;
  /** Called after each decoding step with the number of steps done. */
  onStep?: (step: number) => void;
  /**
   * Stop early when this returns (or resolves to) true; asked between decoding steps. A host
   * that must read its messages while sampling (a worker on WASM, whose readbacks never yield)
   * can let its event loop turn here before it answers.
   */
  shouldStop?: () => boolean | Promise<boolean>;
  /** Debug/test hook: sees each step's next-token logits [B, V] before a token is picked. */
  onLogits?: (step: number, logits: tf.Tensor2D) => void;
  /**
   * Queue step s+1's forward pass (fed the ids picked at step s, which stay on the device)
   * before waiting for step s's ids to be read back, so the GPU computes while the readback is
   * in flight and the host encodes the next step. The same tokens as without; finished rows
   * are packed out one step later, and a rollout that ends computes one step it does not use.
   * Default: on WebGPU only (on wasm and cpu a readback returns at once: nothing to overlap).
   */
  pipelined?: boolean;
}

export interface SampleResult {
  /** New tokens per sequence, EOS included when emitted. */
  tokens: number[][];
  /** True when the sequence ended with EOS. */
  finished: boolean[];
  /** Decoding steps run (the longest sequence's length). */
  steps: number;
  /**
   * Host milliseconds spent picking and queuing the decoding steps (the prefill and the waits
   * for readbacks and shouldStop excluded): on a GPU a step cannot run faster than its share.
   */
  hostMs: number;
}

const NEG = -1e9;

/** Left-pads prompts to a common length; returns ids [B, P], positions and per-row pad counts. */
function leftPad(prompts: number[][], padId: number) {
  const B = prompts.length;
  const P = Math.max(...prompts.map((p) => p.length));
  const ids = new Int32Array(B * P).fill(padId);
  const pos = new Int32Array(B * P);
  const pads = prompts.map((p) => P - p.length);
  prompts.forEach((p, b) => {
    for (let j = 0; j < P; j++) {
      if (j >= pads[b]) ids[b * P + j] = p[j - pads[b]];
      pos[b * P + j] = Math.max(0, j - pads[b]);
    }
  });
  return { P, ids, pos, pads };
}

/**
 * Bias [n, 1, T, S] for the given rows: causal (query i sits at absolute S-T+i and sees keys
 * j <= S-T+i) plus -1e9 on each row's left padding (the first pads[row] keys). Built on the CPU
 * and uploaded: one transfer instead of kernels that grow it step by step.
 */
function attentionBias(pads: number[], rows: readonly number[], T: number, S: number): tf.Tensor4D {
  const n = rows.length;
  const data = new Float32Array(n * T * S);
  rows.forEach((row, r) => {
    for (let i = 0; i < T; i++) {
      const o = (r * T + i) * S;
      for (let j = 0; j < pads[row]; j++) data[o + j] = NEG;
      for (let j = S - T + i + 1; j < S; j++) data[o + j] = NEG;
    }
  });
  return tf.tensor4d(data, [n, 1, T, S]);
}

/**
 * Picks one token per row on the device from logits and Gumbel noise g [B * V] (no readback).
 * Gumbel-max: argmax_v (z_v + g_v) samples softmax(z); top-p keeps tokens whose preceding
 * cumulative mass (sorted descending) is < topP; temperature 0 is argmax (g unused).
 */
function pickWithGumbel(
  logits: tf.Tensor2D,
  temperature: number,
  topP: number,
  gumbel: Float32Array | null,
): tf.Tensor1D {
  return tf.tidy(() => {
    if (temperature <= 0 || !gumbel) return tf.argMax(logits, -1) as tf.Tensor1D;
    const [B, V] = logits.shape;
    // WebGPU: divide, add and argMax in one dispatch (the same formula, see gumbelPick.ts)
    if (topP >= 1 && fusedDecoding.enabled && tf.getBackend() === 'webgpu')
      return gumbelPick(logits, tf.tensor2d(gumbel, [B, V]), temperature);
    let z = logits.div(temperature) as tf.Tensor2D;
    if (topP < 1) {
      const { values } = tf.topk(z, V, true); // [B, V] descending
      const probs = tf.softmax(values);
      const before = tf.cumsum(probs, 1).sub(probs); // mass strictly before each sorted token
      const thr = tf.where(before.less(topP), values, tf.fill([B, V], Infinity)).min(1, true); // [B, 1]
      z = tf.where(z.greaterEqual(thr), z, tf.fill([B, V], NEG)) as tf.Tensor2D;
    }
    return tf.argMax(z.add(tf.tensor2d(gumbel, [B, V])), -1) as tf.Tensor1D;
  });
}

/** Gumbel(0, 1) noise from uniforms: g = -log(-log u). */
function gumbelOf(u: Float32Array): Float32Array {
  const g = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) g[i] = -Math.log(-Math.log(u[i]));
  return g;
}

/**
 * Picks one token per row on the device (no readback here).
 * Gumbel-max: argmax_v (z_v + g_v), g = -log(-log u), samples softmax(z); top-p keeps tokens whose
 * preceding cumulative mass (sorted descending) is < topP.
 */
export function pickTokens(
  logits: tf.Tensor2D,
  temperature: number,
  topP: number,
  uniforms: Float32Array,
): tf.Tensor1D {
  return pickWithGumbel(logits, temperature, topP, temperature > 0 ? gumbelOf(uniforms) : null);
}

/**
 * The step's Gumbel noise for the batch rows `rows` (original row indices): row b always gets
 * values [b V, (b+1) V) of the (seed, step) stream, whether or not other rows were packed out.
 */
function stepNoise(seed: number, step: number, B: number, V: number, rows: readonly number[]) {
  const rng = mulberry32(mixSeed(seed, step));
  const u = new Float32Array(B * V);
  for (let i = 0; i < u.length; i++) u[i] = Math.min(Math.max(rng.next(), 1e-7), 1 - 1e-7);
  const g = new Float32Array(rows.length * V);
  rows.forEach((b, r) => {
    for (let v = 0; v < V; v++) g[r * V + v] = -Math.log(-Math.log(u[b * V + v]));
  });
  return g;
}

/** A layer's cache kept past the tidy it was made in (its filled length, if any, with it). */
const keepKV = (kv: LayerKV): LayerKV => mapKV(kv, tf.keep);

/**
 * Finished rows are packed out of the batch (their keys/values dropped) once at least this share
 * of the batch has finished: each pack copies the cache once, every later step runs fewer rows.
 */
const PACK_SHARE = 1 / 8;

/**
 * Samples continuations of many prompts at once. With the KV cache each step feeds one token
 * per row and rows that finished are packed out of the batch; the only GPU-to-CPU readback per
 * step is the vector of chosen ids (noise, positions and bias are uploaded, never read).
 * Where the model offers a step decoder (the lab's GPT student on WebGPU: rowDecoder.ts), each
 * step after the prefill, forward pass and pick, is one dispatch on the device instead.
 */
export async function sample(
  model: CausalLM,
  prompts: number[][],
  o: SampleOptions,
): Promise<SampleResult> {
  if (prompts.length === 0) return { tokens: [], finished: [], steps: 0, hostMs: 0 };
  if (prompts.some((p) => p.length === 0))
    throw new Error('Every prompt needs at least one token (start prompts with BOS).');
  const { vocab: V, context } = model.config;
  const B = prompts.length;
  const lp = leftPad(prompts, o.padId);
  const longest = Math.max(...prompts.map((p) => p.length));
  if (longest >= context) {
    throw new Error(
      `A prompt of ${longest} tokens leaves no room in the model context (${context}); shorten it or raise model.context.`,
    );
  }
  const maxNew = Math.min(o.maxNewTokens, context - longest);
  const useCache = o.useCache ?? true;
  // The logits hook promises [B, V] every step: no packing while it watches.
  const pack = useCache && !o.onLogits;
  const out: number[][] = prompts.map(() => []);
  const finished = new Array<boolean>(B).fill(false);
  const noise = (step: number, rows: readonly number[]) =>
    o.temperature > 0 ? stepNoise(o.seed, step, B, V, rows) : null;

  /** Original row index of each batch row. */
  let rows: number[] = prompts.map((_, b) => b);
  let S = lp.P; // keys per row so far
  let ids = tf.tensor2d(lp.ids, [B, lp.P], 'int32'); // recompute mode: the whole prefix
  let positions = tf.tensor2d(lp.pos, [B, lp.P], 'int32');
  let past: LayerKV[] | undefined;
  let logits = tf.tidy(() => {
    const bias = attentionBias(lp.pads, rows, lp.P, lp.P);
    const r = model.forward(ids, { positions, bias, embed: 'gather', lastOnly: true });
    past = useCache ? r.present.map(keepKV) : undefined;
    return r.logits.reshape([B, V]) as tf.Tensor2D;
  }) as tf.Tensor2D | null; // null once the decoder picks
  let steps = 0;
  let hostMs = 0;
  const disposePast = (p: LayerKV[] | undefined) => p?.forEach((kv) => tf.dispose([kv.k, kv.v])); // k === v: disposed once
  const pipelined = (o.pipelined ?? tf.getBackend() === 'webgpu') && useCache;
  let decoder: StepDecoder | null = null;
  /** With the decoder: the ids it picked for the next step, on the device. */
  const picked: { ids: tf.Tensor1D | null } = { ids: null };
  const takePicked = () => {
    const ids = picked.ids;
    picked.ids = null;
    return ids;
  };

  /**
   * Runs step s+1's forward pass on `tokens` (the ids picked at step s, one per current row):
   * logits become its [n, V] logits and past its cache.
   */
  const advance = (tokens: tf.Tensor1D, s: number) => {
    const n = rows.length;
    // New token s of row b sits at position len(prompt_b) + s.
    const stepPositions = Int32Array.from(rows, (b) => prompts[b].length + s);
    S += 1;
    const oldLogits = logits;
    logits = null;
    if (decoder) {
      picked.ids = decoder.step(tokens, stepPositions, S, noise(s + 1, rows));
      oldLogits?.dispose();
      return;
    }
    const stepPos = tf.tensor2d(stepPositions, [n, 1], 'int32');
    if (useCache) {
      const oldPast = past!;
      logits = tf.tidy(() => {
        const r = model.forward(tokens.reshape([n, 1]), {
          positions: stepPos,
          bias: attentionBias(lp.pads, rows, 1, S),
          past: oldPast,
          embed: 'gather',
          lastOnly: true,
        });
        past = r.present.map(keepKV);
        return r.logits.reshape([n, V]) as tf.Tensor2D;
      });
      disposePast(oldPast);
    } else {
      const oldIds = ids;
      const oldPos = positions;
      ids = tf.tidy(() => tf.concat([oldIds, tokens.reshape([B, 1])], 1) as tf.Tensor2D);
      positions = tf.tidy(() => tf.concat([oldPos, stepPos], 1) as tf.Tensor2D);
      oldIds.dispose();
      oldPos.dispose();
      logits = tf.tidy(() => {
        // causal [1, 1, S, S] + each row's padding [B, 1, 1, S], added on the device
        const bias = attentionBias([0], [0], S, S).add(attentionBias(lp.pads, rows, 1, S));
        const r = model.forward(ids, { positions, bias, embed: 'gather', lastOnly: true });
        return r.logits.reshape([B, V]) as tf.Tensor2D;
      });
    }
    stepPos.dispose();
    oldLogits?.dispose();
  };

  try {
    // WebGPU, small models: each step (forward and pick) one dispatch, from the prefill's caches
    if (useCache && !o.onLogits && (o.temperature <= 0 || o.topP >= 1))
      decoder =
        model.openStepDecoder?.(past!, { capacity: lp.P + maxNew, temperature: o.temperature }) ??
        null;
    if (decoder) {
      disposePast(past);
      past = undefined;
    }
    for (let s = 0; s < maxNew; s++) {
      if (logits) o.onLogits?.(s, logits);
      let t0 = performance.now();
      let next = takePicked() ?? pickWithGumbel(logits!, o.temperature, o.topP, noise(s, rows));
      const reading = next.data(); // the one readback per step
      // pipelined: step s+1 is queued before step s's ids arrive (logits is then step s+1's)
      const ahead = pipelined && s < maxNew - 1;
      if (ahead) {
        advance(next, s);
        // the step's last dispatches too (tfjs submits every 15): the GPU runs all of it while
        // the host waits for the ids
        flushWebGPU();
      }
      hostMs += performance.now() - t0;
      const chosen = await reading; // int32, or float32 ids from the decoder
      t0 = performance.now();
      steps = s + 1;
      rows.forEach((b, r) => {
        if (finished[b]) return;
        out[b].push(chosen[r]);
        if (chosen[r] === o.eosId) finished[b] = true;
      });
      hostMs += performance.now() - t0;
      o.onStep?.(steps);
      if (rows.every((b) => finished[b]) || s === maxNew - 1 || (await o.shouldStop?.())) {
        next.dispose();
        break;
      }
      t0 = performance.now();
      const done = rows.filter((b) => finished[b]).length;
      if (pack && done > 0 && done >= PACK_SHARE * rows.length) {
        const keep = rows.map((b, r) => (finished[b] ? -1 : r)).filter((r) => r >= 0);
        const idx = tf.tensor1d(keep, 'int32');
        if (decoder) decoder.keepRows(idx);
        else {
          const oldPast = past!;
          // rows of the cache (a preallocated one keeps its filled length)
          past = oldPast.map((kv) => mapKV(kv, (t) => tf.gather(t, idx)));
          disposePast(oldPast);
        }
        if (ahead && picked.ids) {
          // the decoder picked the rows' next ids already: keep the unfinished rows' ones
          const oldIds = picked.ids;
          picked.ids = tf.gather(oldIds, idx);
          oldIds.dispose();
        } else if (ahead) {
          // the rows' next logits are computed already: keep the unfinished rows' ones
          const oldLogits = logits!;
          logits = tf.gather(oldLogits, idx) as tf.Tensor2D;
          oldLogits.dispose();
        } else {
          const oldNext = next;
          next = tf.gather(oldNext, idx);
          oldNext.dispose();
        }
        idx.dispose();
        rows = keep.map((r) => rows[r]);
      }
      if (!ahead) advance(next, s);
      next.dispose();
      hostMs += performance.now() - t0;
    }
  } finally {
    tf.dispose([logits ?? [], picked.ids ?? []]);
    decoder?.dispose();
    ids.dispose();
    positions.dispose();
    disposePast(past);
    model.releaseDecodeCache?.();
  }
  return { tokens: out, finished, steps, hostMs };
}
