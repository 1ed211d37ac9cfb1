import * as tf from '@tensorflow/tfjs';
import { tokenScores } from '../src/engine/model/logprobs';
import type { TransformerModel } from '../src/engine/model/transformer';
import { mulberry32 } from '../src/engine/random';
import type { PeakTracker } from './stats';

const optimizers = new WeakMap<TransformerModel, tf.Optimizer>();

/**
 * One forward + backward + Adam step on a random [batch, seq] token batch (loss = -mean logp,
 * through tokenScores). Returns wall ms; reading the loss back waits for the queued update.
 */
export async function trainStep(
  model: TransformerModel,
  batch: number,
  seq: number,
  seed: number,
  peak: PeakTracker,
): Promise<number> {
  let opt = optimizers.get(model);
  if (!opt) {
    opt = tf.train.adam(1e-3);
    optimizers.set(model, opt);
  }
  const rng = mulberry32(seed);
  const V = model.config.vocab;
  const data = Int32Array.from({ length: batch * seq }, () => Math.floor(rng.next() * V));
  const tokens = tf.tensor2d(data, [batch, seq], 'int32');
  const t0 = performance.now();
  const loss = opt.minimize(
    () => {
      const { logp } = tokenScores(model, tokens);
      peak.poll();
      return logp.mean().neg() as tf.Scalar;
    },
    true,
    model.variables(),
  );
  if (!loss) throw new Error('minimize returned no loss');
  const value = (await loss.data())[0];
  const ms = performance.now() - t0;
  loss.dispose();
  tokens.dispose();
  if (!Number.isFinite(value)) throw new Error(`train loss is ${value}`);
  return ms;
}

/** Frees the Adam state made for a model (call before disposing it). */
export function disposeOptimizer(model: TransformerModel): void {
  optimizers.get(model)?.dispose();
  optimizers.delete(model);
}
