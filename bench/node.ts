/** Runs the benchmark core in this Node process on tfjs's cpu or wasm backend. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { planFor } from './plan';
import type { PresetName } from './presets';
import { runPreset, type PresetResult } from './sampling';

// Single-threaded wasm, as in the browser (see docs ENVIRONMENT.md).
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

export interface NodeBenchResult {
  target: 'cpu' | 'wasm';
  backend: string | null;
  results: PresetResult[];
  skipped: { preset: PresetName; reason: string }[];
  error?: string;
}

export async function runNode(
  backend: 'cpu' | 'wasm',
  presets: PresetName[],
  full: boolean,
  log: (msg: string) => void,
): Promise<NodeBenchResult> {
  const out: NodeBenchResult = { target: backend, backend: null, results: [], skipped: [] };
  try {
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
    out.backend = tf.getBackend();
    for (const preset of presets) {
      const plan = planFor(backend, preset, full);
      if ('skipped' in plan) out.skipped.push({ preset, reason: plan.skipped });
      else out.results.push(await runPreset(plan, log));
    }
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  return out;
}
