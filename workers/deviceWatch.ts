/**
 * The WebGPU device behind tfjs (tfjs-backend-webgpu keeps it as `backend.device`): when it is
 * lost (driver reset, GPU removed, tab backgrounded too long on some systems) every later kernel
 * fails, so the worker tells the page, which offers a restart from the last checkpoint.
 */
import * as tf from '@tensorflow/tfjs';

interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

/** The WebGPU backend's device, or null on any other backend. */
export function webgpuDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GpuDeviceLike }).device ?? null;
}

const watched = new WeakSet<GpuDeviceLike>();

/** Calls `onLost` once when the current WebGPU device is lost (nothing on other backends). */
export function watchDeviceLost(onLost: (reason: string, message: string) => void): void {
  const device = webgpuDevice();
  if (!device || watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => onLost(info.reason ?? 'unknown', info.message ?? ''));
}
