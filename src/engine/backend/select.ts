import * as tf from '@tensorflow/tfjs';
import { installFastWasmMatMul } from './wasmMatMul';
import { installWasmSimdKernels, wasmSimdActive } from './wasmSimd/wasmSimdKernels';
import { installFusedMatMulGuard } from './wasmUnwrittenGuard';
import { installFastWasmSlice } from './wasmSlice';
import { installSharedWasmIdentity } from './wasmIdentity';
import {
  isSoftwareAdapter,
  type AdapterInfo,
  type BackendChoice,
  type BackendName,
  type BackendPreference,
} from '../../contract/backend';

interface GpuAdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

/** Asks the browser for a WebGPU adapter and describes it; null when there is none. */
export async function probeWebGPU(): Promise<AdapterInfo | null> {
  const gpu = (globalThis.navigator as unknown as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return null;
  let adapter: GpuAdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch {
    return null;
  }
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const isFallbackAdapter = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter);
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isSoftware: isSoftwareAdapter({ ...info, isFallbackAdapter }),
  };
}

/** How a host started wasm: whether it runs, on how many threads, and why only one. */
export interface WasmStart {
  ok: boolean;
  threads: number;
  /** Why one thread, when threads were possible in principle ('' otherwise). */
  note: string;
}

/** Host-specific start-ups (the browser worker's threaded wasm: workers/wasmThreads.ts). */
export interface SelectHooks {
  /** Starts and activates wasm instead of a plain tf.setBackend('wasm'); must not hang. */
  startWasm?: () => Promise<WasmStart>;
}

async function trySet(name: BackendName, hooks: SelectHooks): Promise<WasmStart | boolean> {
  try {
    if (name === 'wasm') {
      // no-ops unless the wasm backend is imported
      installFastWasmMatMul();
      installFastWasmSlice();
      installSharedWasmIdentity();
      installWasmSimdKernels();
      installFusedMatMulGuard();
    }
    if (name === 'wasm' && hooks.startWasm) {
      const start = await hooks.startWasm();
      return start.ok && tf.getBackend() === 'wasm' ? start : false;
    }
    // setBackend resolves false (and may leave getBackend() stale) when init fails: trust its value.
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Picks and activates a backend. auto: WebGPU when an adapter exists and is not a software one;
 * otherwise WASM; CPU last. A forced backend that fails falls back the same way, and says so.
 */
export async function selectBackend(
  pref: BackendPreference,
  hooks: SelectHooks = {},
): Promise<BackendChoice> {
  const adapter = await probeWebGPU();
  const order: BackendName[] = [];
  let reason: string;
  if (pref !== 'auto') {
    order.push(pref);
    reason = `forced by setting: ${pref}`;
  } else if (adapter && !adapter.isSoftware) {
    order.push('webgpu');
    reason = `WebGPU adapter ${adapter.vendor || 'unknown vendor'} ${adapter.architecture}`.trim();
  } else {
    reason = adapter
      ? `WebGPU adapter is software (${adapter.architecture || adapter.vendor}); using WASM`
      : 'no WebGPU adapter; using WASM';
  }
  for (const b of ['wasm', 'cpu'] as BackendName[]) if (!order.includes(b)) order.push(b);
  for (const b of order) {
    const started = await trySet(b, hooks);
    if (started) {
      const fellBack = b !== order[0];
      const choice: BackendChoice = {
        backend: b,
        adapter,
        reason: fellBack ? `${order[0]} failed to start; fell back to ${b}` : reason,
      };
      if (typeof started === 'object') {
        choice.threads = started.threads;
        if (started.note) choice.reason += ` (wasm on ${started.note})`;
      }
      if (b === 'wasm')
        choice.reason += wasmSimdActive()
          ? '; SIMD kernels on (GELU, LayerNorm, bias sums)'
          : '; SIMD kernels off (no wasm SIMD here: the stock kernels run)';
      return choice;
    }
  }
  throw new Error('No tfjs backend could start (tried ' + order.join(', ') + ').');
}
