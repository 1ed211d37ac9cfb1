import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import * as tf from '@tensorflow/tfjs';
import type { SftStepMetrics } from '../../contract/sftMetrics';
import { tokenScores } from '../model/logprobs';
import type { CausalLM } from '../model/causalLM';
import { AdamW } from '../optim/adamw';
import { mixSeed, mulberry32 } from '../random';
import { learningRateAt } from '../rl/schedule';
import type { TaskItem } from '../tasks/types';
import type { Tokenizer } from '../tokenizer';
import type { RunConfig } from '../../contract/config';
import { packBatch } from './batch';
import { sftExample, type SftExample } from './examples';

export interface SftResult {
  history: SftStepMetrics[];
  /** Examples left out because prompt + solution exceeds the model context. */
  droppedTooLong: number;
}

export interface SftOptions {
  config: Pick<RunConfig, 'sft' | 'seed' | 'data'>;
  onStep?: (m: SftStepMetrics) => void | Promise<void>;
  shouldStop?: () => boolean;
}

/**
 * Warm-up SFT: minimise the response-token negative log-likelihood
 *   L = -sum_t mask_t log pi(x_{t+1} | x_{<=t}) / sum_t mask_t
 * with AdamW, warmup + cosine learning rate, batches drawn with a seeded RNG.
 *
 * `sft.gradAccum` = k splits each batch of `batchSize` rows into k micro-batches whose
 * gradients are summed before one update. Each micro-batch's loss is divided by the response
 * tokens of the whole batch, so the update equals the full-batch one (up to float rounding)
 * while peak memory (the [rows, T, V] logits and [rows, H, T, T] attention) shrinks ~k-fold.
 */
export async function runSft(
  model: CausalLM,
  tok: Tokenizer,
  items: TaskItem[],
  o: SftOptions,
): Promise<SftResult> {
  if (items.length === 0)
    throw new Error('SFT needs at least one training item with a worked solution.');
  const solution = {
    selfCheckRate: o.config.sft.selfCheckRate ?? OPTIONAL_DEFAULTS.sft.selfCheckRate,
    seed: o.config.seed,
  };
  const examples = items.map((it) => sftExample(tok, it, o.config.data.promptSuffix, solution));
  return runSftOnExamples(model, tok.padId, examples, o);
}

/**
 * The same SFT loop on given prompt/completion pairs (e.g. STaR's kept samples, sft/star.ts)
 * instead of the items' worked solutions.
 */
export async function runSftOnExamples(
  model: CausalLM,
  padId: number,
  examples: readonly SftExample[],
  o: SftOptions,
): Promise<SftResult> {
  const { sft, seed } = o.config;
  if (examples.length === 0) throw new Error('SFT needs at least one example.');
  const tooLong = examples.filter(
    (e) => e.prompt.length + e.completion.length > model.config.context,
  ).length;
  const usable = examples.filter(
    (e) => e.prompt.length + e.completion.length <= model.config.context,
  );
  if (usable.length === 0) {
    throw new Error(
      `Every SFT example is longer than the model context (${model.config.context} tokens); raise model.context.`,
    );
  }
  const vars = model.variables();
  const opt = new AdamW(vars, {
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: sft.weightDecay,
    gradClip: sft.gradClip,
  });
  const rng = mulberry32(mixSeed(seed, 0x5f7));
  const history: SftStepMetrics[] = [];
  try {
    for (let step = 0; step < sft.steps; step++) {
      if (o.shouldStop?.()) break;
      const t0 = performance.now();
      const rows = Array.from(
        { length: sft.batchSize },
        () => usable[Math.floor(rng.next() * usable.length)],
      );
      const lr = learningRateAt(step, {
        name: 'linear-warmup-cosine',
        baseLr: sft.lr,
        minLr: sft.minLr,
        warmupSteps: sft.warmupSteps,
        totalSteps: sft.steps,
      });
      const { loss, grads, responseTokens } = await accumulatedGrads(
        model,
        vars,
        rows,
        padId,
        sft.gradAccum ?? OPTIONAL_DEFAULTS.sft.gradAccum,
      );
      const report = await opt.apply(grads, lr);
      tf.dispose(grads);
      const m: SftStepMetrics = {
        step: step + 1,
        loss,
        lr,
        grad_norm: report.gradNorm,
        tokens: responseTokens,
        step_time: (performance.now() - t0) / 1000,
        skipped: !report.applied,
      };
      history.push(m);
      await o.onStep?.(m);
    }
  } finally {
    opt.dispose();
  }
  return { history, droppedTooLong: tooLong };
}

/**
 * Gradient of the batch's response-token mean NLL, computed over `accum` micro-batches
 * (each packed to its own length) and summed. Returns the loss value and one gradient per var.
 */
async function accumulatedGrads(
  model: CausalLM,
  vars: tf.Variable[],
  rows: SftExample[],
  padId: number,
  accum: number,
): Promise<{ loss: number; grads: tf.Tensor[]; responseTokens: number }> {
  const k = Math.max(1, Math.min(Math.floor(accum), rows.length));
  const per = Math.ceil(rows.length / k);
  const chunks: SftExample[][] = [];
  for (let i = 0; i < rows.length; i += per) chunks.push(rows.slice(i, i + per));
  const total = chunks.reduce(
    (a, c) => a + c.reduce((b, r) => b + Math.max(0, r.completion.length), 0),
    0,
  );
  let sum: tf.Tensor[] | null = null;
  let loss = 0;
  let responseTokens = 0;
  for (const chunk of chunks) {
    const batch = packBatch(chunk, padId);
    responseTokens += batch.responseTokens;
    const denom = chunks.length === 1 ? batch.lossMask.sum() : tf.scalar(Math.max(1, total));
    const { value, grads } = tf.variableGrads(() => {
      const { logp } = tokenScores(model, batch.tokens);
      return logp.mul(batch.lossMask).sum().div(denom).neg() as tf.Scalar;
    }, vars);
    loss += (await value.data())[0];
    const g = vars.map((v) => grads[v.name]);
    if (sum === null) sum = g;
    else {
      const prev: tf.Tensor[] = sum;
      sum = prev.map((s, i) => s.add(g[i]));
      tf.dispose([...prev, ...g]);
    }
    tf.dispose([value, denom, batch.tokens, batch.lossMask]);
  }
  return { loss, grads: sum ?? [], responseTokens };
}
