/**
 * The student's blocks as single differentiable ops (tf.customGrad): each forward runs off the
 * tape and keeps only what its hand-written gradient needs, so a training step records a few
 * tensors per block instead of one per elementary op, and no slow kernel (wasm's pow, tanh and
 * exp cost 10-45 ns per element, sigmoid ~1) sits on the hot path. Past a size, attention runs
 * in slices of rows and keeps only q, k, v, recomputing its [B, H, T, S] probabilities slice by
 * slice in the backward pass (as FlashAttention does), so long sequences do not hold T^2 scores
 * per layer. Values equal the textbook formulas;
 * fusedOps.test.ts checks them and their gradients against plain tfjs compositions.
 */
import * as tf from '@tensorflow/tfjs';
import { webgpuSoftmaxGrad } from '../backend/webgpu/attentionBackward';
import { webgpuGeluGrad, webgpuLayerNormGrad } from '../backend/webgpu/normGeluBackward';
import {
  wasmGelu,
  wasmGeluGrad,
  wasmLayerNorm,
  wasmLayerNormFits,
  wasmLayerNormGrad,
  wasmSimdActive,
} from '../backend/wasmSimd/wasmSimdKernels';
import { fusedWebGPUActive, webgpuGelu, webgpuLayerNorm } from '../backend/webgpuKernels';

interface OpDef {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

/**
 * tf.customGrad with the tensor inputs as an array and `save` apart (typed for strict TS). The
 * gradient runs in its own tidy: tfjs calls a custom gradient outside the per-input tidy its
 * built-in gradients get, so without it every layer's backward temporaries would live until the
 * whole backward pass ends.
 */
function customOp(f: (x: tf.Tensor[], save: tf.GradSaveFunc) => OpDef) {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const def = f(args.slice(0, -1) as tf.Tensor[], args[args.length - 1] as tf.GradSaveFunc);
    return {
      value: def.value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => def.gradFunc(dy, saved)),
    };
  });
  return (...x: tf.Tensor[]) => op(...x);
}

/**
 * dy W^T for W [in, out]: on wasm as (W dy^T)^T, whose right operand is dy^T [out, N] (a copy of
 * N out floats) instead of W^T (a copy of the whole weight, and its XNNPACK pack, per call).
 */
function timesTransposed(dy: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (tf.getBackend() === 'wasm') return tf.matMul(w, dy, false, true).transpose();
  return tf.matMul(dy, w, false, true);
}

/**
 * y = x W for a frozen W [in, out] (a LoRA base weight): the tape keeps nothing. A plain matMul
 * keeps x and W for dW, and with tfjs-wasm's stock Identity "keeping" W is a copy (a frozen
 * Qwen2.5 layer was 60 MB of such copies per pass; wasmIdentity.ts now shares the memory where
 * it is installed, but x is still kept). W gets no gradient, so
 *   dx = dy W^T.
 */
export function frozenMatMul(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return customOp(([xx]) => ({
    value: tf.matMul(xx, w),
    gradFunc: (dy: tf.Tensor) => timesTransposed(dy as tf.Tensor2D, w),
  }))(x) as tf.Tensor2D;
}

/** The largest right operand headLogits multiplies at once on wasm (bytes). */
export const HEAD_BLOCK_BYTES = 128 * 2 ** 20;

/**
 * h W for a large W [d, V] (a head), on wasm in column blocks of at most `blockBytes`: XNNPACK
 * packs a right operand it does not keep on every call, and one 545 MB pack (Qwen2.5-0.5B's tied
 * head) finds no contiguous room in a 4 GB heap that decoding has fragmented (XNNPACK status 6,
 * then an out-of-bounds access). Each block's columns are computed as in the whole product, so
 * the values are the same. Not for a taped product (use headLogits, or call it inside a custom
 * op, whose forward nothing records).
 */
function blockedMatMul(h: tf.Tensor2D, w: tf.Tensor2D, blockBytes = HEAD_BLOCK_BYTES) {
  const [d, V] = w.shape;
  const blocks = Math.ceil((4 * d * V) / blockBytes);
  if (tf.getBackend() !== 'wasm' || blocks <= 1) return tf.matMul(h, w);
  return tf.tidy(() => {
    const n = Math.ceil(V / blocks);
    const parts: tf.Tensor2D[] = [];
    for (let c0 = 0; c0 < V; c0 += n) {
      const cols = Math.min(n, V - c0);
      parts.push(tf.tidy(() => tf.matMul(h, w.slice([0, c0], [d, cols]))));
    }
    return tf.concat(parts, 1);
  });
}

/** Logits h W: in column blocks on wasm where no tape records (blockedMatMul), else one matMul. */
export function headLogits(h: tf.Tensor2D, w: tf.Tensor2D, blockBytes = HEAD_BLOCK_BYTES) {
  if (tf.engine().state.gradientDepth > 0) return tf.matMul(h, w);
  return blockedMatMul(h, w, blockBytes);
}

/**
 * tf.gather(table, ids, axis) from a frozen table (a LoRA base's embedding): nothing is kept for
 * the backward pass (a taped gather keeps its table: with tfjs-wasm's stock Identity a copy of
 * the whole embedding, 545 MB for Qwen2.5). ids are integers and the table trains not, so no gradient flows here.
 */
export function frozenGather(table: tf.Tensor, ids: tf.Tensor1D, axis = 0): tf.Tensor {
  return customOp(([i]) => ({
    value: tf.gather(table, i, axis),
    gradFunc: () => tf.zerosLike(ids),
  }))(ids);
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * GELU, tanh form: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), computed as
 * x * s with s = sigmoid(2u) (the same function: 0.5 (1 + tanh u) = sigmoid(2u)).
 * dy/dx = s + x s (1 - s) d(2u)/dx, d(2u)/dx = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2).
 */
export const geluOp = customOp(([x], save) => {
  if (fusedWebGPUActive()) {
    save([x]);
    return { value: webgpuGelu(x), gradFunc: geluGrad };
  }
  if (wasmSimdActive()) {
    save([x]);
    return { value: wasmGelu(x), gradFunc: geluGrad }; // one pass (wasmSimd/kernels.wat)
  }
  const s = tf.sigmoid(
    x.mul(
      x
        .square()
        .mul(2 * GELU_C * GELU_A)
        .add(2 * GELU_C),
    ),
  ); // sigmoid(2u)
  save([x]); // s is recomputed in the backward pass: one [N, 4d] tensor kept instead of three
  return { value: x.mul(s), gradFunc: geluGrad };
});

/** dGELU/dx = s + x s (1 - s) d(2u)/dx, s = sigmoid(2u) recomputed from the saved x. */
function geluGrad(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor {
  const [xs] = saved;
  if (fusedWebGPUActive()) return webgpuGeluGrad(xs, dy); // one dispatch, same formula
  if (wasmSimdActive()) return wasmGeluGrad(xs, dy); // one pass, same formula
  const x2 = xs.square();
  const ss = tf.sigmoid(xs.mul(x2.mul(2 * GELU_C * GELU_A).add(2 * GELU_C)));
  const du2 = x2.mul(6 * GELU_C * GELU_A).add(2 * GELU_C); // d(2u)/dx
  return dy.mul(ss.add(xs.mul(ss).mul(tf.sub(1, ss)).mul(du2)));
}

/**
 * Most [b, H, T, S] score elements one attention chunk materialises (8M floats = 32 MB): longer
 * batches run in slices of rows, in the forward and the backward pass, so the wasm heap (4 GB at
 * most) holds a few such tensors at a time, not a few per layer of the whole batch.
 */
export const ATTENTION_CHUNK_ELEMENTS = 1 << 23;

/**
 * Scaled dot-product attention with an additive bias, O = P V, P = softmax(scale Q K^T + bias);
 * q [B, H, T, hd], k and v [B, H, S, hd], bias broadcastable to [B, H, T, S] (no gradient).
 * Backward (from P, kept when it fits one chunk, else recomputed chunk by chunk from q, k):
 *   dV = P^T dO,  dP = dO V^T,  dS = P (dP - rowsum(dP P)),  dQ = scale dS K,  dK = scale dS^T Q.
 */
export function attention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  bias: tf.Tensor,
  scale: number,
  chunkElements = ATTENTION_CHUNK_ELEMENTS,
): tf.Tensor4D {
  const [B, H, T] = q.shape;
  const S = k.shape[2];
  const bias4 =
    bias.rank === 4 ? bias : bias.reshape([...Array(4 - bias.rank).fill(1), ...bias.shape]);
  const rowsPerChunk = Math.max(1, Math.floor(chunkElements / (H * T * S)));
  const chunks: Array<[number, number]> = [];
  for (let b0 = 0; b0 < B; b0 += rowsPerChunk) chunks.push([b0, Math.min(rowsPerChunk, B - b0)]);
  /** Rows [b0, b0 + n) of a tensor whose first axis is the batch (or 1: broadcast). */
  const rows = (t: tf.Tensor, [b0, n]: [number, number]) =>
    chunks.length === 1 || t.shape[0] === 1
      ? t
      : tf.slice(t, [b0, 0, 0, 0], [n, t.shape[1]!, t.shape[2]!, t.shape[3]!]);
  const probs = (qs: tf.Tensor, ks: tf.Tensor, b: tf.Tensor) =>
    tf.softmax(tf.matMul(qs.mul(scale), ks, false, true).add(b));
  const perChunk = (f: (c: [number, number]) => tf.Tensor[]): tf.Tensor[] => {
    const parts = chunks.map((c) => tf.tidy(() => f(c)));
    return parts.length === 1
      ? parts[0]
      : parts[0].map((_, i) =>
          tf.concat(
            parts.map((p) => p[i]),
            0,
          ),
        );
  };
  /** dQ, dK, dV of one chunk from its probabilities P. */
  const chunkGrads = (
    qc: tf.Tensor,
    kc: tf.Tensor,
    vc: tf.Tensor,
    dOc: tf.Tensor,
    p: tf.Tensor,
  ) => {
    const dP = tf.matMul(dOc, vc, false, true);
    if (fusedWebGPUActive()) {
      // dS' = scale dS in one dispatch (src/engine/backend/webgpu/attentionBackward.ts)
      const dSs = webgpuSoftmaxGrad(p, dP, scale);
      return [tf.matMul(dSs, kc), tf.matMul(dSs, qc, true, false), tf.matMul(p, dOc, true, false)];
    }
    const dS = p.mul(dP.sub(dP.mul(p).sum(-1, true)));
    return [
      tf.matMul(dS, kc).mul(scale),
      tf.matMul(dS, qc, true, false).mul(scale),
      tf.matMul(p, dOc, true, false),
    ];
  };
  const op = customOp(([qq, kk, vv], save) => {
    if (chunks.length === 1) {
      // One chunk (at most chunkElements scores): keep P rather than recompute it.
      const p = probs(qq, kk, bias4);
      save([qq, kk, vv, p]);
      return {
        value: tf.matMul(p, vv),
        gradFunc: (dO: tf.Tensor, saved: tf.Tensor[]) => {
          const [qs, ks, vs, ps] = saved;
          return chunkGrads(qs, ks, vs, dO, ps);
        },
      };
    }
    save([qq, kk, vv, bias4]);
    return {
      value: perChunk((c) => [
        tf.matMul(probs(rows(qq, c), rows(kk, c), rows(bias4, c)), rows(vv, c)),
      ])[0],
      gradFunc: (dO: tf.Tensor, saved: tf.Tensor[]) => {
        const [qs, ks, vs, bs] = saved;
        return perChunk((c) => {
          const [qc, kc, vc, dOc] = [rows(qs, c), rows(ks, c), rows(vs, c), rows(dO, c)];
          return chunkGrads(qc, kc, vc, dOc, probs(qc, kc, rows(bs, c)));
        });
      },
    };
  });
  return op(q, k, v) as tf.Tensor4D;
}

const layerNormOps = new Map<number, (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor>();

/**
 * LayerNorm over the last axis, y = xhat g + b, xhat = (x - mean) / sqrt(var + eps), with
 * dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy g, rstd = 1/sqrt(var + eps);
 * dg = sum_rows(dy xhat), db = sum_rows(dy).
 */
export function layerNormOp(eps: number) {
  let op = layerNormOps.get(eps);
  if (!op) {
    const grad = (dy: tf.Tensor, xh: tf.Tensor, r: tf.Tensor, gs: tf.Tensor) => {
      const d = gs.shape[0];
      if (wasmSimdActive() && wasmLayerNormFits(d)) return wasmLayerNormGrad(dy, xh, r, gs);
      const dxhat = dy.mul(gs);
      const dx = dxhat
        .sub(dxhat.mean(-1, true))
        .sub(xh.mul(dxhat.mul(xh).mean(-1, true)))
        .mul(r);
      const rows = (t: tf.Tensor) => t.reshape([-1, d]).sum(0);
      return [dx, rows(dy.mul(xh)), rows(dy)];
    };
    const stats = (x: tf.Tensor) => {
      const xc = x.sub(x.mean(-1, true));
      const rstd = tf.rsqrt(xc.square().mean(-1, true).add(eps));
      return { xhat: xc.mul(rstd), rstd };
    };
    op = customOp(([x, g, b], save) => {
      if (fusedWebGPUActive()) {
        // One dispatch forward; the backward pass recomputes mean and rstd from x, and runs
        // the same formulas in 4 dispatches (src/engine/backend/webgpu/normGeluBackward.ts).
        save([x, g]);
        return {
          value: webgpuLayerNorm(x, g, b, eps),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
            webgpuLayerNormGrad(saved[0], dy, saved[1], eps),
        };
      }
      if (wasmSimdActive() && wasmLayerNormFits(g.shape[0])) {
        // one kernel each way (wasmSimd/kernels.wat), the same saved xhat and rstd
        const { y, xhat, rstd } = wasmLayerNorm(x, g, b, eps);
        save([xhat, rstd, g]);
        return {
          value: y,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => grad(dy, saved[0], saved[1], saved[2]),
        };
      }
      const { xhat, rstd } = stats(x);
      save([xhat, rstd, g]);
      return {
        value: xhat.mul(g).add(b),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => grad(dy, saved[0], saved[1], saved[2]),
      };
    });
    layerNormOps.set(eps, op);
  }
  return op;
}

/**
 * Rows of an embedding table, wte[ids], differentiable on every backend: the gradient is the
 * one-hot product dWte = onehot(ids)^T dY (wasm has no gather gradient). Forward is a gather,
 * except on wasm where onehot(ids) @ wte (XNNPACK) beats its gather kernel ~10x at these sizes.
 * ids: [N] int32; wte: [V, d] -> [N, d].
 */
export function embedRows(wte: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const op = customOp(([w], save) => {
    save([ids]);
    return {
      value:
        tf.getBackend() === 'wasm'
          ? tf.matMul(tf.oneHot(ids, w.shape[0]).toFloat(), w as tf.Tensor2D)
          : tf.gather(w, ids),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.matMul(tf.oneHot(saved[0], w.shape[0]).toFloat(), dy as tf.Tensor2D, true, false),
    };
  });
  return op(wte) as tf.Tensor2D;
}

/**
 * Log-prob of each target and entropy of each row of logits z [N, V], in one op:
 *   l = log_softmax(z) = z - max - log sum exp(z - max),  p = exp(z - max) / sum exp(z - max),
 *   logp = l[target],  H = -sum_v p_v l_v;
 * gradients dlogp/dz = onehot(target) - p and dH/dz = -p (l + H), so
 *   dz = dlogp onehot - p (dlogp + dH (l + H)).
 * One exp per element instead of three, and only p and l kept for the backward pass.
 */
export function logProbsAndEntropy(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
  const [N, V] = logits.shape;
  // customGrad has one output: logp and H travel stacked as [2, N].
  const op = customOp(([z], save) => {
    const s = z.sub(z.max(-1, true));
    const e = tf.exp(s);
    const sum = e.sum(-1, true);
    const l = s.sub(tf.log(sum));
    const p = e.div(sum);
    const logp = l.mul(tf.oneHot(targets, V).toFloat()).sum(-1);
    const entropy = p.mul(l).sum(-1).neg();
    save([p, l, entropy, targets]);
    return {
      value: tf.stack([logp, entropy]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ps, ls, hs, ts] = saved;
        const gl = dy.slice([0, 0], [1, N]).reshape([N, 1]);
        const gh = dy.slice([1, 0], [1, N]).reshape([N, 1]);
        const oh = tf.oneHot(ts as tf.Tensor1D, V).toFloat();
        return oh.mul(gl).sub(ps.mul(gl.add(gh.mul(ls.add(hs.reshape([N, 1]))))));
      },
    };
  });
  const both = op(logits);
  return {
    logp: both.slice([0, 0], [1, N]).reshape([N]) as tf.Tensor1D,
    entropy: both.slice([1, 0], [1, N]).reshape([N]) as tf.Tensor1D,
  };
}

/** Most [rows, V] logits one chunk of `frozenHeadScores` materialises (8M floats = 32 MB). */
export const HEAD_CHUNK_ELEMENTS = 1 << 23;

/**
 * Log-prob of each target and entropy through a frozen head, in row chunks:
 *   z = h W (W [d, V] constant, no gradient), then logProbsAndEntropy's formulas on each chunk.
 * Only h is kept; the backward pass recomputes each chunk's z, p and l and returns
 *   dh = dz W^T,  dz = dlogp onehot - p (dlogp + dH (l + H)),
 * so no [N, V] tensor ever exists (a 152k vocabulary at N = 874 would be 531 MB per copy, and
 * the plain path holds several). h [N, d], targets [N] int32 -> logp, entropy [N]. `head` is
 * read again in the backward pass: it must outlive it (a model weight does).
 */
export function frozenHeadScores(
  h: tf.Tensor2D,
  head: tf.Tensor2D,
  targets: tf.Tensor1D,
  chunkElements = HEAD_CHUNK_ELEMENTS,
): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
  const [N] = h.shape;
  const V = head.shape[1];
  const per = Math.max(1, Math.floor(chunkElements / V));
  const chunks: Array<[number, number]> = [];
  for (let r0 = 0; r0 < N; r0 += per) chunks.push([r0, Math.min(per, N - r0)]);
  /** p, l and H of rows [r0, r0 + n), with the one-hot of their targets. */
  const stats = (hs: tf.Tensor, ts: tf.Tensor, [r0, n]: [number, number]) => {
    // column blocks on wasm (nothing here is taped: the op's forward and its gradFunc)
    const z = blockedMatMul(hs.slice([r0, 0], [n, hs.shape[1]!]) as tf.Tensor2D, head);
    const s = z.sub(z.max(-1, true));
    const e = tf.exp(s);
    const sum = e.sum(-1, true);
    const l = s.sub(tf.log(sum));
    const p = e.div(sum);
    const oh = tf.oneHot(ts.slice([r0], [n]) as tf.Tensor1D, V).toFloat();
    return { l, p, oh, H: p.mul(l).sum(-1).neg() };
  };
  const op = customOp(([hh], save) => {
    const parts = chunks.map((c) =>
      tf.tidy(() => {
        const { l, oh, H } = stats(hh, targets, c);
        return tf.stack([l.mul(oh).sum(-1), H]); // [2, n]
      }),
    );
    const value = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    if (parts.length > 1) tf.dispose(parts);
    save([hh, targets]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hs, ts] = saved;
        const dh = chunks.map((c) =>
          tf.tidy(() => {
            const [r0, n] = c;
            const { l, p, oh, H } = stats(hs, ts, c);
            const gl = dy.slice([0, r0], [1, n]).reshape([n, 1]);
            const gh = dy.slice([1, r0], [1, n]).reshape([n, 1]);
            const dz = oh.mul(gl).sub(p.mul(gl.add(gh.mul(l.add(H.reshape([n, 1]))))));
            return timesTransposed(dz as tf.Tensor2D, head); // dh = dz head^T [n, d]
          }),
        );
        if (dh.length === 1) return dh[0];
        const out = tf.concat(dh, 0);
        tf.dispose(dh);
        return out;
      },
    };
  });
  const both = op(h);
  return {
    logp: both.slice([0, 0], [1, N]).reshape([N]) as tf.Tensor1D,
    entropy: both.slice([1, 0], [1, N]).reshape([N]) as tf.Tensor1D,
  };
}

/**
 * SwiGLU's gate, y = silu(g) u = g s u with s = sigmoid(g), as one op that keeps only g and u
 * (the plain composition keeps four [N, intermediate] tensors per layer):
 *   dg = dy u s (1 + g (1 - s)),  du = dy g s.
 */
export const swigluOp = customOp(([g, u], save) => {
  save([g, u]);
  return {
    value: tf.tidy(() => g.mul(tf.sigmoid(g)).mul(u)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [gs, us] = saved;
      const s = tf.sigmoid(gs);
      const dyS = dy.mul(s);
      return [dyS.mul(us).mul(gs.mul(s.neg().add(1)).add(1)), dyS.mul(gs)];
    },
  };
});
