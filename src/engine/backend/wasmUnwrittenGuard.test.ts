import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackendFailure } from './outOfMemory';
import { installFastWasmMatMul } from './wasmMatMul';
import {
  guardUnwritten,
  installFusedMatMulGuard,
  markUnwritten,
  stillUnwritten,
  UNWRITTEN,
} from './wasmUnwrittenGuard';

type Heap = { typedArrayFromHeap(t: tf.TensorInfo): Float32Array };

describe('the unwritten-output guard on tfjs-wasm', () => {
  beforeAll(async () => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    expect(installFastWasmMatMul()).toBe(true);
    expect(installFusedMatMulGuard()).toBe(true);
    expect(installFusedMatMulGuard()).toBe(true); // idempotent
    await tf.setBackend('wasm');
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  /** A kernel that makes a [2, 3] output and writes it only when `write` (XNNPACK's early return). */
  const fake =
    (write: boolean): tf.KernelFunc =>
    ({ backend }) => {
      const b = backend as unknown as Heap & {
        makeOutput(s: number[], d: string): tf.TensorInfo;
      };
      const out = b.makeOutput([2, 3], 'float32');
      if (write) b.typedArrayFromHeap(out).set([1, 2, 3, 4, 5, 6]);
      return out;
    };

  it('throws an out-of-memory error when a kernel leaves its output unwritten, and frees it', () => {
    const backend = tf.backend();
    const dataIds = tf.engine().backend.numDataIds();
    const run = (f: tf.KernelFunc) =>
      guardUnwritten('Fake', f)({ inputs: {}, backend, attrs: {} }) as tf.TensorInfo;
    expect(() => run(fake(false))).toThrow(
      /Fake could not allocate working memory: out of memory in the WASM heap \(its \[2, 3\] output/,
    );
    expect(tf.engine().backend.numDataIds()).toBe(dataIds); // the unwritten output was disposed
    const ok = run(fake(true));
    expect(Array.from((backend as unknown as Heap).typedArrayFromHeap(ok))).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    backend.disposeData(ok.dataId);
    // makeOutput is the prototype's again
    expect(Object.prototype.hasOwnProperty.call(backend, 'makeOutput')).toBe(false);
  });

  it('reads as "the WASM heap is full" to the run', () => {
    let message = '';
    try {
      guardUnwritten('BatchMatMul', fake(false))({ inputs: {}, backend: tf.backend(), attrs: {} });
    } catch (e) {
      message = describeBackendFailure(e, {
        backend: 'wasm',
        miniBatches: 4,
        maxNewTokens: 256,
        liveBytes: 0,
      });
    }
    expect(message).toMatch(/^The WASM heap is full \(BatchMatMul could not allocate/);
    expect(message).toMatch(/raise rl\.gradAccum \(now 1; try 2\).*rl\.miniBatches, now 4/);
  });

  it('marks each part of a batched output and finds the one left unwritten', () => {
    const t = tf.zeros([4, 5]);
    const info = { dataId: t.dataId, shape: t.shape, dtype: t.dtype } as tf.TensorInfo;
    const backend = tf.backend();
    markUnwritten(backend, info, 4);
    const f = (backend as unknown as Heap).typedArrayFromHeap(info);
    const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
    expect([0, 4, 5, 9, 10, 14, 15, 19].map((i) => u[i])).toEqual(Array(8).fill(UNWRITTEN));
    expect(u[1]).toBe(0);
    f.fill(1, 0, 10);
    f.fill(1, 15, 20); // part 2 (elements 10-14) left as marked
    expect(stillUnwritten(backend, info, 4)).toBe(true);
    f.fill(1, 10, 15);
    expect(stillUnwritten(backend, info, 4)).toBe(false);
    t.dispose();
  });

  it('lets real products through, NaN results included', () => {
    tf.tidy(() => {
      const a = tf.tensor2d([1, NaN, 3, 4], [2, 2]);
      const b = tf.tensor2d([1, 2, 3, 4], [2, 2]);
      const p = tf.matMul(a, b).dataSync(); // the stock XNNPACK path
      expect(Number.isNaN(p[0])).toBe(true);
      expect(Array.from(p.slice(2))).toEqual([15, 22]);
      expect(Array.from(tf.matMul(a, b, true, false).dataSync().slice(0, 1))).toEqual([10]);
      // per-batch: [8, 64, 64] x [8, 64, 16], every entry written
      const x = tf.ones([8, 64, 64]);
      const y = tf.ones([8, 64, 16]);
      expect(tf.matMul(x, y).sum().dataSync()[0]).toBe(8 * 64 * 16 * 64);
      const fused = tf.fused.matMul({ a: b, b, bias: tf.tensor1d([1, 1]) });
      expect(Array.from(fused.dataSync())).toEqual([8, 11, 16, 23]);
    });
  });
});
