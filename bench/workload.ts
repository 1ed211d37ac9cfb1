/** The fixed workloads every backend runs (the figures compare across backends and with PyTorch). */

/** Sampling: B x G rows, each an 8-token random prompt followed by 256 new tokens. */
export const PROMPT_TOKENS = 8;
export const NEW_TOKENS = 256;
/** Never sampled (ids are >= 0), so every row runs the full length. */
export const NO_EOS = -1;

/** Train step: forward + backward + AdamW on a [B x G, 128] random token batch. */
export const TRAIN_SEQ = 128;

/** Update scaling: the RL update (runUpdates) on synthetic rollouts of a 16-token prompt. */
export const SCALING_PROMPT = 16;
/** Response length of the G series, and G of the length series. */
export const SCALING_BASE_LENGTH = 64;
export const SCALING_BASE_G = 4;
export const SCALING_G = [2, 4, 8, 16];
export const SCALING_LENGTHS = [32, 64, 128, 256];

export const WORKLOAD = {
  sampling: `B x G sequences x ${NEW_TOKENS} new tokens after a ${PROMPT_TOKENS}-token random prompt, temperature 1, topP 1, EOS never sampled (every row runs the full length), KV cache vs full recompute of the prefix each step; tokens_per_s counts new tokens; the learned positions are extended to ${PROMPT_TOKENS + NEW_TOKENS} where the preset's context is shorter (compute is unchanged)`,
  train: `forward + backward + AdamW (the engine's: global-norm clip 1, decay 0.01) on a [B x G, ${TRAIN_SEQ}] random batch through tokenScores, loss = -mean logp; train_tokens_per_s counts B x G x ${TRAIN_SEQ} tokens per step; the PyTorch reference (bench/torch_reference.py) runs the same model, batch and step`,
  rl_step: `RlTrainer.runStep with the preset's own config (ThinkTuning, built-in teacher, B questions x G rollouts, maxNewTokens) from a fresh (untrained) student; time split as the trainer reports it: rollout (sampling), teacher, scoring (old/ref log-probs), update (loss + backward + AdamW)`,
  scaling: `runUpdates (ThinkTuning loss, AdamW, one mini-batch) on B x G synthetic rollouts of a ${SCALING_PROMPT}-token prompt + L response tokens: G in ${SCALING_G.join('/')} at L=${SCALING_BASE_LENGTH}, L in ${SCALING_LENGTHS.join('/')} at G=${SCALING_BASE_G}; us_per_token = update time / (rows x tokens)`,
  timing:
    'one untimed warm-up call (shader compilation, Adam state), then the median of the timed runs (each result lists its runs; see notes for reduced counts)',
};
