/**
 * A/B of the hand-written wasm SIMD kernels (src/engine/backend/wasmSimd, issue 18) in one
 * process: train steps of a preset's bench workload (forward + backward + AdamW on [rows, 128]),
 * alternating kernels on and off after three warm-up steps, so both sides see the same machine noise.
 * `npx tsx scripts/wasm-kernels-ab.ts lab 2 12` (preset, wasm threads, steps); prints each side's
 * step times and median. Run it alone on the machine (under `flock /tmp/bench.lock` if shared).
 */
import * as tf from '@tensorflow/tfjs';
import { startNodeWasm } from '../src/cli/nodeWasmThreads';
import { setWasmSimdEnabled } from '../src/engine/backend/wasmSimd/wasmSimdKernels';
import { tokenScores } from '../src/engine/model/logprobs';
import { TransformerModel } from '../src/engine/model/transformer';
import { AdamW } from '../src/engine/optim/adamw';
import { mulberry32 } from '../src/engine/random';
import { isPresetName, loadBenchPreset } from '../bench/presets';
import { TRAIN_SEQ } from '../bench/workload';

const [presetArg = 'lab', threadsArg = '2', stepsArg = '12'] = process.argv.slice(2);
if (!isPresetName(presetArg)) throw new Error(`unknown preset ${presetArg}`);
const threads = await startNodeWasm(Number(threadsArg));
const preset = await loadBenchPreset(presetArg);
const model = TransformerModel.create(preset.model, 1234);
const opt = new AdamW(model.variables(), {
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  gradClip: 1,
});

/** One train step's wall ms (the loss readback waits for it). */
async function step(seed: number): Promise<number> {
  const rng = mulberry32(seed);
  const data = Int32Array.from({ length: preset.rows * TRAIN_SEQ }, () =>
    Math.floor(rng.next() * preset.model.vocab),
  );
  const tokens = tf.tensor2d(data, [preset.rows, TRAIN_SEQ], 'int32');
  const vars = model.variables();
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(
    () => tokenScores(model, tokens).logp.mean().neg() as tf.Scalar,
    vars,
  );
  await opt.apply(
    vars.map((v) => grads[v.name]),
    1e-3,
  );
  await value.data();
  const ms = performance.now() - t0;
  tf.dispose([value, tokens, ...Object.values(grads)]);
  return ms;
}

// the first steps run slower while the heap grows and V8 tiers the code up (not what is compared)
for (let i = 0; i < 3; i++) await step(100 + i);
const runs = { on: [] as number[], off: [] as number[] };
for (let i = 0; i < Number(stepsArg); i++) {
  const on = i % 2 === 0;
  setWasmSimdEnabled(on);
  runs[on ? 'on' : 'off'].push(await step(i + 1));
}
setWasmSimdEnabled(true);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(
  `${presetArg} [${preset.rows}, ${TRAIN_SEQ}] wasm threads=${threads}, ms per train step:`,
);
for (const side of ['on', 'off'] as const)
  console.log(
    `  kernels ${side.padEnd(3)} ${runs[side].map((ms) => Math.round(ms)).join(' ')}  median ${Math.round(median(runs[side]))}`,
  );
process.exit(0);
