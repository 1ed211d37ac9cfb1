/// <reference lib="webworker" />
/** Runs the benchmark core on one backend inside a module worker (as the trainer does). */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { selectBackend } from '../src/engine/backend/select';
import { planFor } from './plan';
import type { BenchEvent, BenchRequest, BrowserBenchResult } from './protocol';
import { runPreset } from './sampling';

// Same set-up as workers/trainer.worker.ts: single-threaded wasm, files served by Vite.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: BenchEvent) => scope.postMessage(e);
const log = (message: string) => post({ type: 'log', message });

async function run(req: BenchRequest): Promise<BrowserBenchResult> {
  const out: BrowserBenchResult = {
    ok: false,
    requested: req.backend,
    backend: null,
    reason: '',
    adapter: null,
    userAgent: navigator.userAgent,
    results: [],
    skipped: [],
  };
  try {
    const choice = await selectBackend(req.backend);
    Object.assign(out, { backend: choice.backend, reason: choice.reason, adapter: choice.adapter });
    if (choice.backend !== req.backend) throw new Error(`backend ${req.backend}: ${choice.reason}`);
    for (const preset of req.presets) {
      const plan = planFor(req.backend, preset, req.full, true);
      if ('skipped' in plan) out.skipped.push({ preset, reason: plan.skipped });
      else out.results.push(await runPreset(plan, log));
    }
    out.ok = true;
  } catch (e) {
    out.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  }
  return out;
}

scope.onmessage = (ev: MessageEvent<BenchRequest>) => {
  void run(ev.data).then((result) => post({ type: 'done', result }));
};
