import * as tf from '@tensorflow/tfjs';
import type { CausalLM } from './causalLM';
import { frozenHeadScores, logProbsAndEntropy } from './fusedOps';

export interface TokenScores {
  /** log pi(x_{t+1} | x_{<=t}) for t = 0..T-2: [B, T-1]. */
  logp: tf.Tensor2D;
  /** Entropy of the next-token distribution, -sum_v p_v log p_v: [B, T-1]. */
  entropy: tf.Tensor2D;
}

/**
 * Per-token log-probs and entropies of given (right-padded) sequences, differentiable on every
 * backend: logp_t = log_softmax(z_t)[x_{t+1}], H_t = -sum_v p_v log p_v (one op: fusedOps.ts).
 * tokens: [B, T] int32. Positions past a sequence's end are computed but meaningless; mask them.
 */
export function tokenScores(model: CausalLM, tokens: tf.Tensor2D): TokenScores {
  return tf.tidy(() => {
    const [B, T] = tokens.shape;
    const V = model.config.vocab;
    const inputs = tokens.slice([0, 0], [B, T - 1]);
    const targets = tokens
      .slice([0, 1], [B, T - 1])
      .reshape([B * (T - 1)])
      .toInt() as tf.Tensor1D;
    // A frozen head (LoRA): the head runs in row chunks, never holding [B, T-1, V] logits.
    const frozen = model.frozenHeadForward?.(inputs, { embed: 'onehot' }) ?? null;
    const scores = frozen
      ? frozenHeadScores(frozen.hidden, frozen.head, targets)
      : logProbsAndEntropy(
          model
            .forward(inputs, { embed: 'onehot' })
            .logits.reshape([B * (T - 1), V]) as tf.Tensor2D,
          targets,
        );
    return {
      logp: scores.logp.reshape([B, T - 1]) as tf.Tensor2D,
      entropy: scores.entropy.reshape([B, T - 1]) as tf.Tensor2D,
    };
  });
}

/**
 * `tokenScores(model, tokens)` computed `chunkRows` rows at a time (rows are independent), so
 * scoring never holds more than [chunkRows, T-1, V] logits: with a 152k vocabulary one
 * [16, 356, V] block is 3.5 GB, more than WASM's 4 GB heap holds beside the weights.
 */
export function tokenScoresInChunks(
  model: CausalLM,
  tokens: tf.Tensor2D,
  chunkRows: number,
): TokenScores {
  const [B, T] = tokens.shape;
  const per = Math.max(1, Math.min(B, Math.floor(chunkRows)));
  if (per >= B) return tokenScores(model, tokens);
  const parts: TokenScores[] = [];
  try {
    for (let a = 0; a < B; a += per) {
      const n = Math.min(per, B - a);
      const [logp, entropy] = tf.tidy(() => {
        const s = tokenScores(model, tokens.slice([a, 0], [n, T]));
        return [s.logp, s.entropy];
      });
      parts.push({ logp, entropy });
    }
    return {
      logp: tf.concat(
        parts.map((p) => p.logp),
        0,
      ),
      entropy: tf.concat(
        parts.map((p) => p.entropy),
        0,
      ),
    };
  } finally {
    for (const p of parts) tf.dispose([p.logp, p.entropy]);
  }
}

/** The log-probs of {@link tokenScoresInChunks} alone. */
export function tokenLogpInChunks(
  model: CausalLM,
  tokens: tf.Tensor2D,
  chunkRows: number,
): tf.Tensor2D {
  const { logp, entropy } = tokenScoresInChunks(model, tokens, chunkRows);
  entropy.dispose();
  return logp;
}
