import * as tf from '@tensorflow/tfjs';
import { mixSeed, mulberry32 } from '../random';
import type { CausalLM } from './causalLM';
import type { LayerKV } from './transformer';

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
  /** Stop early when this returns true (checked between steps). */
  shouldStop?: () => boolean;
  /** Debug/test hook: sees each step's next-token logits [B, V] before a token is picked. */
  onLogits?: (step: number, logits: tf.Tensor2D) => void;
}

export interface SampleResult {
  /** New tokens per sequence, EOS included when emitted. */
  tokens: number[][];
  /** True when the sequence ended with EOS. */
  finished: boolean[];
  /** Decoding steps run (the longest sequence's length). */
  steps: number;
}

const NEG = -1e9;

/** Left-pads prompts to a common length; returns ids [B, P], positions and key-valid bias. */
function leftPad(prompts: number[][], padId: number) {
  const B = prompts.length;
  const P = Math.max(...prompts.map((p) => p.length));
  const ids = new Int32Array(B * P).fill(padId);
  const pos = new Int32Array(B * P);
  const keyBias = new Float32Array(B * P);
  const nextPos = new Int32Array(B);
  prompts.forEach((p, b) => {
    const pad = P - p.length;
    for (let j = 0; j < P; j++) {
      if (j < pad) keyBias[b * P + j] = NEG;
      else ids[b * P + j] = p[j - pad];
      pos[b * P + j] = Math.max(0, j - pad);
    }
    nextPos[b] = p.length;
  });
  return { P, ids, pos, keyBias, nextPos };
}

/** Bias [B, 1, T, S] = causal (query i at absolute S-T+i) + per-row blocked keys. */
function paddedCausalBias(keyBias: tf.Tensor2D, T: number): tf.Tensor4D {
  const [B, S] = keyBias.shape;
  const causal = new Float32Array(T * S);
  for (let i = 0; i < T; i++) for (let j = S - T + i + 1; j < S; j++) causal[i * S + j] = NEG;
  return tf.tensor4d(causal, [1, 1, T, S]).add(keyBias.reshape([B, 1, 1, S]));
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
  return tf.tidy(() => {
    if (temperature <= 0) return tf.argMax(logits, -1) as tf.Tensor1D;
    const [B, V] = logits.shape;
    let z = logits.div(temperature) as tf.Tensor2D;
    if (topP < 1) {
      const { values } = tf.topk(z, V, true); // [B, V] descending
      const probs = tf.softmax(values);
      const before = tf.cumsum(probs, 1).sub(probs); // mass strictly before each sorted token
      const thr = tf.where(before.less(topP), values, tf.fill([B, V], Infinity)).min(1, true); // [B, 1]
      z = tf.where(z.greaterEqual(thr), z, tf.fill([B, V], NEG)) as tf.Tensor2D;
    }
    const g = tf.tensor2d(uniforms, [B, V]).log().neg().log().neg();
    return tf.argMax(z.add(g), -1) as tf.Tensor1D;
  });
}

function noise(seed: number, step: number, size: number): Float32Array {
  const rng = mulberry32(mixSeed(seed, step));
  const u = new Float32Array(size);
  for (let i = 0; i < size; i++) u[i] = Math.min(Math.max(rng.next(), 1e-7), 1 - 1e-7);
  return u;
}

/**
 * Samples continuations of many prompts at once. With the KV cache each step feeds one token
 * per row; the only GPU-to-CPU readback per step is the [B] vector of chosen ids.
 */
export async function sample(
  model: CausalLM,
  prompts: number[][],
  o: SampleOptions,
): Promise<SampleResult> {
  if (prompts.length === 0) return { tokens: [], finished: [], steps: 0 };
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
  const out: number[][] = prompts.map(() => []);
  const finished = new Array<boolean>(B).fill(false);

  const keyBias = tf.tensor2d(lp.keyBias, [B, lp.P]);
  const basePos = tf.tensor1d(lp.nextPos, 'int32');
  let ids = tf.tensor2d(lp.ids, [B, lp.P], 'int32');
  let positions = tf.tensor2d(lp.pos, [B, lp.P], 'int32');
  let past: LayerKV[] | undefined;
  let logits = tf.tidy(() => {
    const bias = paddedCausalBias(keyBias, lp.P);
    const r = model.forward(ids, { positions, bias, embed: 'gather', lastOnly: true });
    past = useCache ? r.present.map((kv) => ({ k: tf.keep(kv.k), v: tf.keep(kv.v) })) : undefined;
    return r.logits.reshape([B, V]) as tf.Tensor2D;
  });
  let keyBiasAll: tf.Tensor2D = keyBias;
  let steps = 0;
  try {
    for (let s = 0; s < maxNew; s++) {
      o.onLogits?.(s, logits);
      const next = pickTokens(logits, o.temperature, o.topP, noise(o.seed, s, B * V));
      const chosen = (await next.data()) as Int32Array; // the one readback per step
      steps = s + 1;
      for (let b = 0; b < B; b++) {
        if (finished[b]) continue;
        out[b].push(chosen[b]);
        if (chosen[b] === o.eosId) finished[b] = true;
      }
      o.onStep?.(steps);
      if (finished.every(Boolean) || s === maxNew - 1 || o.shouldStop?.()) {
        next.dispose();
        break;
      }
      const stepPos = tf.tidy(() => basePos.add(s).reshape([B, 1]) as tf.Tensor2D);
      const grownBias = tf.tidy(() => tf.concat([keyBiasAll, tf.zeros([B, 1])], 1) as tf.Tensor2D);
      if (keyBiasAll !== keyBias) keyBiasAll.dispose();
      keyBiasAll = grownBias;
      const oldLogits = logits;
      if (useCache) {
        const oldPast = past!;
        logits = tf.tidy(() => {
          const r = model.forward(next.reshape([B, 1]), {
            positions: stepPos,
            bias: keyBiasAll.reshape([B, 1, 1, keyBiasAll.shape[1]]),
            past: oldPast,
            embed: 'gather',
            lastOnly: true,
          });
          past = r.present.map((kv) => ({ k: tf.keep(kv.k), v: tf.keep(kv.v) }));
          return r.logits.reshape([B, V]) as tf.Tensor2D;
        });
        oldPast.forEach((kv) => {
          kv.k.dispose();
          kv.v.dispose();
        });
      } else {
        const oldIds = ids;
        const oldPos = positions;
        ids = tf.tidy(() => tf.concat([oldIds, next.reshape([B, 1])], 1) as tf.Tensor2D);
        positions = tf.tidy(() => tf.concat([oldPos, stepPos], 1) as tf.Tensor2D);
        oldIds.dispose();
        oldPos.dispose();
        logits = tf.tidy(() => {
          const bias = paddedCausalBias(keyBiasAll, ids.shape[1]);
          const r = model.forward(ids, { positions, bias, embed: 'gather', lastOnly: true });
          return r.logits.reshape([B, V]) as tf.Tensor2D;
        });
      }
      stepPos.dispose();
      oldLogits.dispose();
      next.dispose();
    }
  } finally {
    logits.dispose();
    if (keyBiasAll !== keyBias) keyBiasAll.dispose();
    keyBias.dispose();
    basePos.dispose();
    ids.dispose();
    positions.dispose();
    past?.forEach((kv) => {
      kv.k.dispose();
      kv.v.dispose();
    });
  }
  return { tokens: out, finished, steps };
}
