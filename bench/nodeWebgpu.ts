/**
 * WebGPU in Node for the benchmark: Dawn's Node bindings (the npm package `webgpu`, dawn.node)
 * installed as navigator.gpu, then tfjs's WebGPU backend on top, so the same tfjs kernels the
 * browser runs can be timed on a GPU box that has a Vulkan driver but no usable browser. The
 * package is a devDependency (test/webgpuKernels.test.ts runs the fused WebGPU kernels on it over
 * SwiftShader); the bench says how to add it where it is missing.
 */
import { probeWebGPU } from '../src/engine/backend/select';
import type { AdapterInfo } from '../src/contract/backend';

export const DAWN_PACKAGE = 'webgpu';
export const DAWN_HELP = `Node WebGPU needs Dawn's Node bindings: npm install --no-save ${DAWN_PACKAGE} (and a Vulkan driver; point VK_ICD_FILENAMES at it)`;

interface DawnModule {
  create(flags: string[]): unknown;
  globals: Record<string, unknown>;
}

/**
 * Puts Dawn's GPU on navigator.gpu (and its GPU* classes and constants on globalThis), then
 * registers tfjs's WebGPU backend, which checks navigator.gpu when it is imported.
 * Returns the adapter Dawn hands out for high-performance; throws with DAWN_HELP when the
 * bindings are missing or no adapter exists.
 */
export async function installNodeWebGPU(
  flags: string[] = (process.env.DAWN_FLAGS ?? '').split(/\s+/).filter(Boolean),
  pkg: string = DAWN_PACKAGE,
): Promise<AdapterInfo> {
  let dawn: DawnModule;
  try {
    // A variable: resolved at run time, so bundles (scripts/pack-gpu-bench.sh) ship it beside.
    dawn = (await import(/* @vite-ignore */ pkg)) as DawnModule;
  } catch (e) {
    throw new Error(`${DAWN_HELP} (${e instanceof Error ? e.message : String(e)})`);
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(flags);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  const adapter = await probeWebGPU();
  if (!adapter) {
    if (nav) delete (nav as { gpu?: unknown }).gpu;
    else delete (globalThis as { navigator?: unknown }).navigator;
    throw new Error(`Dawn found no WebGPU adapter. ${DAWN_HELP}`);
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  return adapter;
}

/**
 * Shuts Dawn down before the process exits: waits for the queue, disposes tfjs's WebGPU backend
 * (its buffers and query set) and destroys the device. Exiting with a live Dawn device crashes
 * dawn.node's teardown now and then (SIGSEGV after the work is done, more often on a loaded machine).
 */
export async function closeNodeWebGPU(): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  // registry: the backends already initialised (findBackend would start one just to close it)
  const backend = tf.engine().registry.webgpu as unknown as
    | {
        device?: { queue: { onSubmittedWorkDone(): Promise<void> }; destroy(): void };
      }
    | undefined;
  if (!backend?.device) return;
  await backend.device.queue.onSubmittedWorkDone();
  tf.removeBackend('webgpu');
  backend.device.destroy();
}

/**
 * Ends a process that may hold a Dawn device: reports a failure, closes WebGPU (closeNodeWebGPU),
 * then exits 0 after `work` resolves, 1 after it rejects.
 */
export function exitClosingWebGPU(work: Promise<void>, report: (e: unknown) => void): void {
  void work
    .then(
      () => 0,
      (e: unknown) => {
        report(e);
        return 1;
      },
    )
    .then(async (code) => {
      await closeNodeWebGPU().catch(() => {}); // exiting anyway: a failed close changes nothing
      process.exit(code);
    });
}
