/**
 * Child process of webgpuTraining.test.ts (see parityMain.ts for why a child): the fused AdamW
 * (src/engine/backend/webgpu/adamwKernel.ts) on Dawn's WebGPU against the cpu backend's AdamW
 * (tfjs ops), several steps with and without clipping, plus a non-finite gradient. Prints one
 * JSON line: the largest differences, dispatches per update, live tensors after each step, and
 * the differences with the update or the norm shader 0.1 % off (the test expects those to fail).
 */
import * as tf from '@tensorflow/tfjs';
import { exitClosingWebGPU, installNodeWebGPU } from '../../bench/nodeWebgpu';
import { startWorkCounter, type WorkCounts } from '../../src/engine/backend/counters';
import { ADAMW_KERNEL, SUM_SQUARES_KERNEL } from '../../src/engine/backend/webgpu/adamwKernel';
import { setShaderTransformForTests } from '../../src/engine/backend/webgpu/shaderTestHook';
import { AdamW, type AdamWOptions } from '../../src/engine/optim/adamw';

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

/** Ranks 1-3, sizes below, at and well above a 256-thread workgroup; 8 tensors = 2 norm groups. */
const SHAPES = [[300, 70], [70], [3, 5, 7], [1], [257], [64, 64], [2, 3], [1000]];
const OPTS: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, gradClip: 1 };
/** Gradient scale per step: steps 2 and 4 are clipped (norm well above 1), 1 and 3 are not. */
const STEP_SCALES = [0.002, 3, 0.001, 50];
const LR = 0.01;

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface Run {
  params: Float32Array[];
  m: Float32Array[];
  v: Float32Array[];
  norms: number[];
  dispatches: number[];
  uploads: number[];
  numTensors: number[];
  nanSkipped: boolean;
}

async function run(backend: string): Promise<Run> {
  if (!(await tf.setBackend(backend))) throw new Error(`${backend} backend did not start`);
  const params = SHAPES.map((s, i) => tf.variable(tf.tensor(rand(size(s), 100 + i), s)));
  const opt = new AdamW(params, OPTS);
  const out: Run = {
    params: [],
    m: [],
    v: [],
    norms: [],
    dispatches: [],
    uploads: [],
    numTensors: [],
    nanSkipped: false,
  };
  for (const [step, scale] of STEP_SCALES.entries()) {
    const grads = SHAPES.map((s, i) => tf.tensor(rand(size(s), 1000 * step + i, scale), s));
    const c = startWorkCounter();
    let counts: WorkCounts;
    try {
      const r = await opt.apply(grads, LR);
      if (!r.applied) throw new Error(`step ${step} not applied`);
      out.norms.push(r.gradNorm);
      counts = c.counts();
    } finally {
      c.restore();
    }
    out.dispatches.push(counts.dispatches ?? 0);
    out.uploads.push(counts.uploads ?? 0);
    tf.dispose(grads);
    out.numTensors.push(tf.memory().numTensors);
  }
  // A NaN anywhere skips the update: weights, moments and t unchanged.
  const bad = SHAPES.map((s, i) => (i === 3 ? tf.tensor([NaN], s) : tf.zeros(s)));
  out.nanSkipped = !(await opt.apply(bad, LR)).applied && opt.stepCount === STEP_SCALES.length;
  tf.dispose(bad);
  out.params = await Promise.all(params.map(async (p) => (await p.data()) as Float32Array));
  const st = await opt.state();
  out.m = st.m;
  out.v = st.v;
  opt.dispose();
  tf.dispose(params);
  return out;
}

/** Largest |a - b| relative to the tensor's largest |b| (moments are small: scale matters). */
function maxRel(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, t) => {
    const ref = b[t].reduce((s, y) => Math.max(s, Math.abs(y)), 1e-30);
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - b[t][i]) / ref);
  });
  return m;
}

/** Each AdamW shader with one constant 0.1 % off: the parity must fail under each. */
const BREAKS: Record<string, [string, string, string]> = {
  update: [ADAMW_KERNEL, '* u.omb2', '* (u.omb2 * 1.001)'],
  norm: [SUM_SQUARES_KERNEL, 's += x * x', 's += x * x * 1.001'],
};

/** Largest relative difference of params, moments and norms. */
const worst = (gpu: Run, cpu: Run) => ({
  params: maxRel(gpu.params, cpu.params),
  m: maxRel(gpu.m, cpu.m),
  v: maxRel(gpu.v, cpu.v),
  norm: Math.max(...gpu.norms.map((n, i) => Math.abs(n - cpu.norms[i]) / cpu.norms[i])),
});

async function main() {
  const adapter = await installNodeWebGPU();
  const gpu = await run('webgpu');
  const storage = (
    tf.backend() as unknown as { device: { limits: { maxStorageBuffersPerShaderStage: number } } }
  ).device.limits.maxStorageBuffersPerShaderStage;
  const brokenRuns: Record<string, Run> = {};
  for (const [name, [kernel, from, to]] of Object.entries(BREAKS)) {
    setShaderTransformForTests((k, code) => (k === kernel ? code.replaceAll(from, to) : code));
    brokenRuns[name] = await run('webgpu');
  }
  setShaderTransformForTests(null);
  const cpu = await run('cpu');
  const result = {
    adapter: `${adapter.vendor} ${adapter.architecture}`,
    tensors: SHAPES.length,
    storage_buffers: storage,
    ...worst(gpu, cpu),
    clipped_steps: cpu.norms.filter((n) => n > OPTS.gradClip).length,
    dispatches: gpu.dispatches,
    uploads: gpu.uploads,
    num_tensors: gpu.numTensors,
    nan_skipped: gpu.nanSkipped && cpu.nanSkipped,
    // the largest of the four differences with each shader broken on purpose
    broken: Object.fromEntries(
      Object.entries(brokenRuns).map(([k, r]) => [k, Math.max(...Object.values(worst(r, cpu)))]),
    ),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

exitClosingWebGPU(main(), (e) =>
  process.stderr.write((e instanceof Error ? (e.stack ?? e.message) : String(e)) + '\n'),
);
