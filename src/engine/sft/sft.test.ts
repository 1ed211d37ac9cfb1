/**
 * The tiny preset end to end on WASM in Node: SFT must solve a useful share of held-out level-1
 * problems (numbers never seen in training), and the same seed must give the same run. Runs the
 * production wasm kernels (the fast BatchMatMul the CLI and the worker install). (Slow: ~3
 * minutes on 2 idle CPU cores, more when they are shared.)
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { installFastWasmMatMul } from '../backend/wasmMatMul';
import type { RunConfig } from '../../contract/config';
import { evaluate, greedyEvalOptions } from '../eval/evaluate';
import { buildTokenizer, loadItems } from '../eval/sources';
import { TransformerModel } from '../model/transformer';
import { presetConfig } from '../../contract/presets';
import { runSft } from './train';

/**
 * Measured (place-value worked steps, RoPE, 1200 steps x 16): 32/64 greedy on the first 64
 * held-out money level-1 problems with seed 1 (loss 0.012; 44/64 on 64 training problems). The
 * same model at 900 steps gave 13/64 and the old recipe (plain steps, learned positions, 300
 * steps) 0-5/64. The count is deterministic on one backend; other float rounding (another
 * kernel) moves it by a few questions, so the threshold sits well below the measured run while
 * staying far above what the old recipe or a format-only student reach.
 */
const MIN_GREEDY_ACCURACY = 20 / 64;
/** Every measured run ended every greedy answer with \boxed{N} and EOS. */
const MIN_FORMAT_RATE = 0.95;
/** Steps compared between two runs with the same seed (inside warmup, so the lr matches). */
const K = 10;

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  installFastWasmMatMul();
  await tf.setBackend('wasm');
});

async function train(config: RunConfig) {
  const items = (await loadItems(config.data, 'train')).items;
  const tok = buildTokenizer(config, items);
  const model = TransformerModel.create({ ...config.model, vocab: tok.vocabSize }, config.seed);
  const { history } = await runSft(model, tok, items, { config });
  return { model, tok, losses: history.map((h) => h.loss) };
}

describe('tiny preset SFT (wasm)', () => {
  it('solves held-out level-1 problems and is reproducible', async () => {
    const config = presetConfig('tiny');
    expect(config.data.levels).toEqual([1]);
    const a = await train(config);
    const held = (await loadItems(config.data, 'eval')).items.slice(0, config.eval.size);
    const r = await evaluate(a.model, a.tok, held, greedyEvalOptions(config));
    a.model.dispose();
    console.log(
      `tiny SFT: greedy ${r.greedyAccuracy} on ${held.length} held-out, format ${r.greedy?.formatRate}, loss ${a.losses[a.losses.length - 1]}`,
    );
    expect(a.losses[a.losses.length - 1]).toBeLessThan(a.losses[0] / 4);
    expect(r.greedyAccuracy).toBeGreaterThanOrEqual(MIN_GREEDY_ACCURACY);
    expect(r.greedy?.formatRate).toBeGreaterThanOrEqual(MIN_FORMAT_RATE);
    // Same seed, shorter run: the first K losses must match exactly.
    const b = await train({ ...config, sft: { ...config.sft, steps: K } });
    b.model.dispose();
    expect(b.losses).toEqual(a.losses.slice(0, K));
  }, 600_000);
});
