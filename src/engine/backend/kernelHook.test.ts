import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { afterEachKernel, peakTensorGrowth } from './kernelHook';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ownHook = () => Object.prototype.hasOwnProperty.call(tf.engine(), 'runKernel');

describe('peakTensorGrowth', () => {
  it('sees the high-water mark inside a tidy, not what is left after it', () => {
    const { out, bytes } = peakTensorGrowth(() =>
      tf.tidy(() => {
        const a = tf.fill([1000], 2); // 4000 B
        const b = tf.add(a, 1); // 4000 B more
        return tf.sum(b); // 4 B: 8004 B live after this kernel, then a and b go
      }),
    );
    expect(bytes).toBe(8004);
    expect(out.dataSync()[0]).toBe(3000);
    out.dispose();
    expect(ownHook()).toBe(false);
  });

  it('removes its hook after an error and after an async piece of work', async () => {
    expect(() =>
      afterEachKernel(
        () => {},
        () => {
          throw new Error('boom');
        },
      ),
    ).toThrow('boom');
    expect(ownHook()).toBe(false);
    let kernels = 0;
    const done = afterEachKernel(
      () => kernels++,
      async () => {
        await Promise.resolve();
        tf.dispose(tf.add(tf.scalar(1), 2));
      },
    );
    expect(ownHook()).toBe(true);
    await done;
    expect(ownHook()).toBe(false);
    expect(kernels).toBeGreaterThan(0);
  });
});
