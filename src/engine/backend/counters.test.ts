import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  countCalls,
  diffCounts,
  perUnit,
  profileDispatches,
  startWorkCounter,
  WEBGPU_METHODS,
} from './counters';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

class FakeGpuBackend {
  tensorMap = new Map<string, { values: unknown; resource: unknown; dtype: string }>([
    ['onCpu', { values: [1], resource: null, dtype: 'float32' }],
    ['onGpu', { values: null, resource: {}, dtype: 'float32' }],
  ]);
  log: string[] = [];
  recordAndSubmit() {
    this.log.push('dispatch');
  }
  submitQueue() {
    this.log.push('submit');
  }
  getBufferData() {
    this.log.push('read');
    return 'bytes';
  }
  readSync(id: string) {
    return id;
  }
  uploadToGPU(id: string) {
    const d = this.tensorMap.get(id)!;
    d.resource = {};
    d.values = null;
  }
}

describe('countCalls', () => {
  it('counts each wrapped call, still runs the original, and restores the prototype method', () => {
    const b = new FakeGpuBackend();
    const c = countCalls(b, WEBGPU_METHODS);
    b.recordAndSubmit();
    b.recordAndSubmit();
    b.submitQueue();
    expect(b.getBufferData()).toBe('bytes');
    expect(b.readSync('onCpu')).toBe('onCpu'); // cached on the CPU: not a readback
    expect(b.readSync('onGpu')).toBe('onGpu'); // a GPU->CPU readback
    b.uploadToGPU('onCpu'); // CPU values -> GPU: an upload
    b.uploadToGPU('onCpu'); // already there: not counted
    expect(c.counts()).toEqual({
      dispatches: 2,
      submits: 1,
      readbacks: 1,
      syncReadbacks: 1,
      uploads: 1,
    });
    expect(b.log).toEqual(['dispatch', 'dispatch', 'submit', 'read']);
    c.restore();
    expect(Object.prototype.hasOwnProperty.call(b, 'recordAndSubmit')).toBe(false);
    b.recordAndSubmit();
    expect(c.counts().dispatches).toBe(2);
  });

  it('skips methods the object lacks and restores own methods in place', () => {
    const own = { run: () => 7 };
    const original = own.run;
    const c = countCalls(own, [
      { method: 'run', as: 'runs' },
      { method: 'missing', as: 'never' },
    ]);
    expect(own.run()).toBe(7);
    expect(c.counts()).toEqual({ runs: 1 });
    c.restore();
    expect(own.run).toBe(original);
  });

  it('diffCounts and perUnit give per-step figures', () => {
    const d = diffCounts({ dispatches: 130, readbacks: 12 }, { dispatches: 10, readbacks: 2 });
    expect(d).toEqual({ dispatches: 120, readbacks: 10 });
    expect(perUnit(d, 10)).toEqual({ dispatches: 12, readbacks: 1 });
    expect(perUnit({ k: 1 }, 3)).toEqual({ k: 0.33 });
    expect(() => perUnit(d, 0)).toThrow(/positive number of units/);
  });
});

describe('startWorkCounter', () => {
  it('counts op-level kernels and reads on the active backend, then restores', async () => {
    const a = tf.tensor1d([1, 2]);
    const c = startWorkCounter();
    const s = tf.tidy(() => a.add(1).mul(2).sum()); // 3 kernels
    expect(Array.from(await s.data())).toEqual([10]);
    expect(c.counts().kernels).toBe(3);
    expect(c.counts().reads).toBe(1);
    c.restore();
    expect(Object.prototype.hasOwnProperty.call(tf.engine(), 'runKernel')).toBe(false);
    tf.dispose([a, s]);
  });
});

describe('profileDispatches', () => {
  it('tallies dispatches by the innermost running kernel, then restores both objects', () => {
    const backend = new FakeGpuBackend();
    const engine = {
      runKernel(name: string, f: () => void) {
        void name;
        f();
      },
    };
    const ownBefore = Object.prototype.hasOwnProperty.call(engine, 'runKernel');
    const p = profileDispatches(engine, backend);
    engine.runKernel('Mul', () => backend.recordAndSubmit());
    engine.runKernel('AdamW', () => {
      backend.recordAndSubmit();
      engine.runKernel('Sum', () => backend.recordAndSubmit());
      backend.recordAndSubmit();
    });
    backend.recordAndSubmit();
    expect(p.counts()).toEqual({ Mul: 1, AdamW: 2, Sum: 1, '(none)': 1 });
    p.restore();
    expect(Object.prototype.hasOwnProperty.call(engine, 'runKernel')).toBe(ownBefore);
    expect(Object.prototype.hasOwnProperty.call(backend, 'recordAndSubmit')).toBe(false);
    expect(backend.log).toHaveLength(5);
  });
});
