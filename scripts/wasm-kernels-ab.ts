/**
 * A/B of the hand-written wasm SIMD kernels (src/engine/backend/wasmSimd, issue 18) in one
 * process: train steps of a preset's bench workload (forward + backward + AdamW on [rows, 128]),
 * alternating kernels on and off after three warm-up steps, so both sides see the same machine noise.
 * `npx tsx scripts/wasm-kernels-ab.ts lab 2 12` (preset, wasm threads, steps); prints each side's
 * step times and median. Run it alone on the machine (under `flock /tmp/bench.lock` if shared).
 */
import { startNodeWasm } from '../src/cli/nodeWasmThreads';
import { setWasmSimdEnabled } from '../src/engine/backend/wasmSimd/wasmSimdKernels';
import { TransformerModel } from '../src/engine/model/transformer';
import { isPresetName, loadBenchPreset } from '../bench/presets';
import { median, trackPeak } from '../bench/stats';
import { benchOptimizer, trainStep } from '../bench/train';
import { TRAIN_SEQ } from '../bench/workload';

const [presetArg = 'lab', threadsArg = '2', stepsArg = '12'] = process.argv.slice(2);
if (!isPresetName(presetArg)) throw new Error(`unknown preset ${presetArg}`);
const threads = await startNodeWasm(Number(threadsArg));
const preset = await loadBenchPreset(presetArg);
const model = TransformerModel.create(preset.model, 1234);
const opt = benchOptimizer(model);
const peak = trackPeak();
/** One train step's wall ms: the bench's own (bench/train.ts). */
const step = (seed: number) => trainStep(model, opt, preset.rows, seed, peak);

// the first steps run slower while the heap grows and V8 tiers the code up (not what is compared)
for (let i = 0; i < 3; i++) await step(100 + i);
const runs = { on: [] as number[], off: [] as number[] };
for (let i = 0; i < Number(stepsArg); i++) {
  const on = i % 2 === 0;
  setWasmSimdEnabled(on);
  runs[on ? 'on' : 'off'].push(await step(i + 1));
}
setWasmSimdEnabled(true);
console.log(
  `${presetArg} [${preset.rows}, ${TRAIN_SEQ}] wasm threads=${threads}, ms per train step:`,
);
for (const side of ['on', 'off'] as const)
  console.log(
    `  kernels ${side.padEnd(3)} ${runs[side].map((ms) => Math.round(ms)).join(' ')}  median ${Math.round(median(runs[side]))}`,
  );
process.exit(0);
