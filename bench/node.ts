/**
 * Runs the benchmark core in this Node process on tfjs's cpu or wasm backend, or on WebGPU
 * through Dawn's Node bindings (bench/nodeWebgpu.ts).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { startNodeWasm } from '../src/cli/nodeWasmThreads';
import type { AdapterInfo } from '../src/contract/backend';
import { runPreset, type PresetResult } from './core';
import { installNodeWebGPU } from './nodeWebgpu';
import { planFor, type Part } from './plan';
import type { PresetName } from './presets';
import { setRssProbe } from './stats';

export interface NodeBenchResult {
  target: NodeBackend;
  backend: string | null;
  /** webgpu only: the adapter Dawn handed out. */
  adapter?: AdapterInfo;
  /** wasm only: which BatchMatMul ran ('fast' = src/engine/backend/wasmMatMul.ts). */
  matmul?: 'fast' | 'stock';
  /**
   * webgpu only: how sample() decoded: 'row' = one dispatch a step where the model fits
   * (rowDecodeStep.ts), 'layer' = forward()'s per-layer kernels (--layer-decoding).
   */
  decoding?: 'row' | 'layer';
  /** wasm only: the thread count the backend reported (1 = the single-threaded build). */
  threads?: number;
  results: PresetResult[];
  skipped: { preset: PresetName; reason: string }[];
  error?: string;
}

import { readShippedFile } from '../src/cli/shippedStudents';
import { rowDecoding } from '../src/engine/model/rowDecoder';

export type NodeBackend = 'cpu' | 'wasm' | 'webgpu';

export async function runNode(
  backend: NodeBackend,
  opts: {
    presets: PresetName[];
    full: boolean;
    parts: Part[];
    stockMatMul: boolean;
    /** webgpu: forward()'s per-layer decoding instead of the row decoder. */
    layerDecoding?: boolean;
    sets: string[];
    /** wasm only (default 1). */
    wasmThreads?: number;
  },
  log: (msg: string) => void,
): Promise<NodeBenchResult> {
  const out: NodeBenchResult = { target: backend, backend: null, results: [], skipped: [] };
  setRssProbe(() => process.memoryUsage().rss);
  try {
    if (backend === 'wasm') {
      out.matmul = opts.stockMatMul ? 'stock' : 'fast';
      out.threads = await startNodeWasm(opts.wasmThreads ?? 1, { fastMatMul: !opts.stockMatMul });
    } else {
      if (backend === 'webgpu') {
        out.adapter = await installNodeWebGPU();
        rowDecoding.enabled = !opts.layerDecoding;
        out.decoding = opts.layerDecoding ? 'layer' : 'row';
      }
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
      await tf.ready();
    }
    out.backend = tf.getBackend();
    for (const preset of opts.presets) {
      const plan = planFor(
        backend,
        preset,
        opts.full,
        opts.parts,
        false,
        out.adapter?.isSoftware ?? true,
      );
      if ('skipped' in plan) out.skipped.push({ preset, reason: plan.skipped });
      else out.results.push(await runPreset(plan, log, opts.sets, readShippedFile));
    }
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  return out;
}
