/** Helpers of the WebGPU parity checks (test/webgpu/*.ts). */
import { startWorkCounter } from '../../src/engine/backend/counters';
import { setShaderTransformForTests } from '../../src/engine/backend/webgpu/shaderTestHook';

/** n deterministic uniforms in shift +- scale (an LCG). */
export function rand(n: number, seed: number, scale = 1, shift = 0): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale + shift;
  });
}

/** Runs f and counts the compute dispatches it records. */
export function counted<T>(f: () => T): { result: T; dispatches: number } {
  const c = startWorkCounter();
  try {
    const result = f();
    return { result, dispatches: c.counts().dispatches ?? 0 };
  } finally {
    c.restore();
  }
}

/** max_i |a_i - b_i|. */
export const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Runs f with one kernel's WGSL rewritten (a deliberately broken kernel). */
export async function broken<T>(
  key: string,
  from: string,
  to: string,
  f: () => Promise<T>,
): Promise<T> {
  setShaderTransformForTests((k, code) => (k.startsWith(key) ? code.replace(from, to) : code));
  try {
    return await f();
  } finally {
    setShaderTransformForTests(null);
  }
}
