/**
 * Soak test (not part of CI): runs a preset's GRPO/ThinkTuning loop in Node for a set time and
 * watches for leaks. Every `--every` steps it prints one JSON line with the live tensor count
 * (tf.memory().numTensors), tfjs bytes, process RSS and JS heap; at the end a summary with the
 * tensor count's min/max over the RL steps and the least-squares slope of RSS and heap (MB per
 * hour) over the second half of the samples (after the allocator has settled).
 *
 *   npm run soak -- --minutes 30 [--preset tiny] [--backend wasm|cpu] [--every 10]
 *                   [--warmup N] [--set key=value ...] [--out soak.jsonl]
 *
 * Warm-up SFT runs first (`--warmup` steps, default the preset's, so rollouts end with EOS and
 * reach the teacher); the RL loop then runs until the time is up, with the teacher on for the
 * whole run (SOAK_SETTINGS: a constant selection rate instead of the reference's schedule, which
 * switches it off after a few steps) so every step exercises guided trajectories too. Run with NODE_OPTIONS=--expose-gc for
 * steadier RSS readings (a GC is forced before each sample when available).
 */
import { appendFile, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend, parseNodeBackend } from '../src/cli/nodeBackend';
import { applyOverride, type RunConfig } from '../src/contract/config';
import { loadItems } from '../src/engine/eval/sources';
import { buildTeacher } from '../src/engine/teacher/build';
import { RlTrainer } from '../src/engine/loop/trainer';
import { presetConfig } from '../src/contract/presets';
import { runSft } from '../src/engine/sft/train';
import { buildTokenizer, createStudent } from '../src/engine/student';

interface SoakArgs {
  minutes: number;
  preset: string;
  backend: string;
  every: number;
  /** Warm-up SFT steps (null: the preset's). */
  warmup: number | null;
  sets: string[];
  out: string | null;
}

interface Sample {
  step: number;
  elapsed_s: number;
  tensors: number;
  tf_mb: number;
  rss_mb: number;
  heap_mb: number;
  step_time_s: number;
}

function parseArgs(argv: readonly string[]): SoakArgs {
  const a: SoakArgs = {
    minutes: 30,
    preset: 'tiny',
    backend: 'wasm',
    every: 10,
    warmup: null,
    sets: [],
    out: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--minutes') a.minutes = Number(value);
    else if (flag === '--preset') a.preset = value;
    else if (flag === '--backend') a.backend = value;
    else if (flag === '--every') a.every = Number(value);
    else if (flag === '--warmup') a.warmup = Number(value);
    else if (flag === '--set') a.sets.push(value);
    else if (flag === '--out') a.out = value;
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!(a.minutes > 0)) throw new Error(`--minutes must be > 0 (got ${a.minutes})`);
  if (!(a.every >= 1)) throw new Error(`--every must be >= 1 (got ${a.every})`);
  if (a.warmup !== null && !(a.warmup >= 0))
    throw new Error(`--warmup must be >= 0 (got ${a.warmup})`);
  return a;
}

/** Least-squares slope of y over x: sum((x - mx)(y - my)) / sum((x - mx)^2). */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Applied before --set: the teacher stays on, so guidance is part of every step. */
const SOAK_SETTINGS = [
  'thinktuning.schedule="constant"',
  'thinktuning.initialRate=0.5',
  'thinktuning.offThreshold=0',
];

const MB = 1024 * 1024;
const round = (x: number, d = 2) => Number(x.toFixed(d));

function sample(step: number, t0: number, stepTime: number): Sample {
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  return {
    step,
    elapsed_s: round((performance.now() - t0) / 1000, 1),
    tensors: tf.memory().numTensors,
    tf_mb: round(tf.memory().numBytes / MB),
    rss_mb: round(mem.rss / MB),
    heap_mb: round(mem.heapUsed / MB),
    step_time_s: round(stepTime, 3),
  };
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const backend = parseNodeBackend(a.backend);
  if (typeof backend !== 'string') throw new Error(backend.error);
  await initNodeBackend(backend);
  let c: RunConfig = presetConfig(a.preset);
  if (a.warmup !== null) c = applyOverride(c, `sft.steps=${a.warmup}`);
  c = applyOverride(c, 'rl.steps=1000000');
  for (const s of [...SOAK_SETTINGS, ...a.sets]) c = applyOverride(c, s);

  const print = async (line: object) => {
    const text = JSON.stringify(line);
    console.log(text);
    if (a.out) await appendFile(a.out, text + '\n');
  };
  if (a.out) await writeFile(a.out, '');
  const { items } = await loadItems(c.data, 'train');
  const tok = buildTokenizer(c, items);
  const model = createStudent(c, tok);
  await print({
    soak: 'start',
    preset: a.preset,
    backend,
    minutes: a.minutes,
    algo: c.rl.algo,
    teacher: c.teacher.kind,
    warmup_steps: c.sft.steps,
    settings: [...SOAK_SETTINGS, ...a.sets],
    gc: typeof (globalThis as { gc?: unknown }).gc === 'function',
  });
  if (c.sft.steps > 0) await runSft(model, tok, items, { config: c });
  const trainer = new RlTrainer({
    config: c,
    model,
    tokenizer: tok,
    trainItems: items,
    teacher: c.rl.algo === 'thinktuning' ? buildTeacher(c) : null,
  });
  const t0 = performance.now();
  const deadline = t0 + a.minutes * 60_000;
  const samples: Sample[] = [];
  let nonFinite = 0;
  let guided = 0;
  while (performance.now() < deadline) {
    const r = await trainer.runStep();
    nonFinite += r.metrics['numerics/nonfinite_skipped'] ?? 0;
    guided += r.metrics['thinktuning/guided_count'] ?? 0;
    if (trainer.step % a.every === 0) {
      const s = sample(trainer.step, t0, r.metrics.step_time!);
      samples.push(s);
      await print(s);
    }
  }
  trainer.dispose();
  model.dispose();

  const tensors = samples.map((s) => s.tensors);
  const late = samples.slice(Math.floor(samples.length / 2));
  const hours = late.map((s) => s.elapsed_s / 3600);
  await print({
    soak: 'summary',
    steps: trainer.step,
    minutes: round((performance.now() - t0) / 60_000, 1),
    samples: samples.length,
    tensors_min: Math.min(...tensors),
    tensors_max: Math.max(...tensors),
    rss_first_mb: samples[0]?.rss_mb ?? null,
    rss_last_mb: samples.at(-1)?.rss_mb ?? null,
    rss_late_min_mb: Math.min(...late.map((s) => s.rss_mb)),
    rss_late_max_mb: Math.max(...late.map((s) => s.rss_mb)),
    rss_slope_mb_per_hour: round(
      slope(
        hours,
        late.map((s) => s.rss_mb),
      ),
    ),
    heap_slope_mb_per_hour: round(
      slope(
        hours,
        late.map((s) => s.heap_mb),
      ),
    ),
    nonfinite_updates_skipped: nonFinite,
    guided_rollouts: guided,
    tensors_after_dispose: tf.memory().numTensors,
  });
}

main().catch((e: unknown) => {
  console.error(`soak: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
