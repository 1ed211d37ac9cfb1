/**
 * Where a wasm train step's time goes, per kernel, at a given thread count (issue 18):
 * `npx tsx scripts/wasm-threads-profile.ts tiny 2` (preset, threads). One warm-up step, then one
 * step under tf.profile; prints the kernels by total ms, and the BatchMatMul share. Run it under
 * `flock /tmp/bench.lock` on a shared machine.
 */
import * as tf from '@tensorflow/tfjs';
import { startNodeWasm } from '../src/cli/nodeWasmThreads';
import { TransformerModel } from '../src/engine/model/transformer';
import { isPresetName, loadBenchPreset } from '../bench/presets';
import { trackPeak } from '../bench/stats';
import { benchOptimizer, trainStep } from '../bench/train';
import { TRAIN_SEQ } from '../bench/workload';

const [presetArg = 'tiny', threadsArg = '1'] = process.argv.slice(2);
if (!isPresetName(presetArg)) throw new Error(`unknown preset ${presetArg}`);
const threads = await startNodeWasm(Number(threadsArg));
const preset = await loadBenchPreset(presetArg);
const model = TransformerModel.create(preset.model, 1234);
const opt = benchOptimizer(model);
const peak = trackPeak();
const step = (seed: number) => trainStep(model, opt, preset.rows, seed, peak);

await step(1);
const plainMs = await step(2);
const info = await tf.profile(() => step(3));
const byName = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  if (/scope|__op/.test(k.name)) continue; // nested records, not kernels
  const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  e.calls++;
  byName.set(k.name, e);
}
const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, e]) => s + e.ms, 0);
const mm = byName.get('BatchMatMul')?.ms ?? 0;
console.log(
  `${presetArg} [${preset.rows}, ${TRAIN_SEQ}] wasm threads=${threads}: step ${plainMs.toFixed(0)} ms ` +
    `(unprofiled); kernels ${total.toFixed(0)} ms, BatchMatMul ${mm.toFixed(0)} ms ` +
    `(${((100 * mm) / total).toFixed(0)}%), other ${(total - mm).toFixed(0)} ms`,
);
for (const [name, e] of rows.slice(0, 15))
  console.log(
    `  ${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms  ${String(e.calls).padStart(5)} calls`,
  );
process.exit(0);
