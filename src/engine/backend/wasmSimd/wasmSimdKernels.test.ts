import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geluOp, layerNormOp } from '../../model/fusedOps';
import { mulberry32 } from '../../random';
import { compileKernels, expandMacros } from './compileWat';
import { KERNELS_PLAIN_MEMORY, KERNELS_SHARED_MEMORY } from './kernelsBinary';
import {
  columnSumPlan,
  installWasmSimdKernels,
  instantiateKernels,
  setWasmSimdEnabled,
  wasmSimdActive,
  type KernelExports,
} from './wasmSimdKernels';

const C = Math.sqrt(2 / Math.PI);
/** GELU (tanh form) and its derivative in float64: the references. */
const gelu64 = (x: number) => 0.5 * x * (1 + Math.tanh(C * (x + 0.044715 * x ** 3)));
function geluGrad64(x: number): number {
  const t = Math.tanh(C * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x);
}

/** Inputs across GELU's range: saturated tails, the bend near 0, and exact zeros. */
function inputs(n: number, seed = 7): Float32Array {
  const rng = mulberry32(seed);
  const x = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 12);
  x.set([0, -0, 40, -40, 100, -100, 1e-8, -3.5], 0);
  return x;
}

/** Largest |got - want| / (|want| + floor) over the elements. */
function worstRel(got: ArrayLike<number>, want: ArrayLike<number>, floor: number): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + floor));
  return worst;
}

describe('kernels.wat build', () => {
  it('expands macros with arguments, nested uses, and rejects unknown ones', () => {
    const src = [
      '(;@macro twice X',
      '(i32.add X X)',
      '@;)',
      '(;@macro quad Y',
      '(;@twice (;@twice Y;);)',
      '@;)',
      '(func (result i32) (;@twice (i32.const 2);))',
    ].join('\n');
    expect(expandMacros(src).replace(/\s+/g, ' ').trim()).toBe(
      '(func (result i32) (i32.add (i32.const 2) (i32.const 2)) )',
    );
    expect(() => expandMacros('(;@nope;)')).toThrow(/unknown macro nope/);
    expect(() => expandMacros('(;@macro m A B\nA B\n@;)\n(;@m 1;)')).toThrow(
      /m takes 2 arguments, got 1/,
    );
  });

  it('the committed binaries are the source compiled (run scripts/build-wasm-kernels.ts)', async () => {
    const source = readFileSync(new URL('./kernels.wat', import.meta.url), 'utf8');
    const bins = await compileKernels(source);
    expect(bins.plain).toBe(KERNELS_PLAIN_MEMORY);
    expect(bins.shared).toBe(KERNELS_SHARED_MEMORY);
  });
});

describe.each([
  ['plain', () => new WebAssembly.Memory({ initial: 64 })],
  ['shared', () => new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true })],
] as const)('the kernels on a %s memory', (_, makeMemory) => {
  let k: KernelExports;
  let f: Float32Array;
  beforeAll(() => {
    const memory = makeMemory();
    k = instantiateKernels(memory)!;
    expect(k).not.toBeNull();
    f = new Float32Array(memory.buffer);
  });

  it('gelu equals the float64 formula to a few float32 ulps, tail lanes included', () => {
    const n = 1003; // 250 vectors and 3 tail elements
    f.set(inputs(n), 0);
    k.gelu(0, 4 * 2048, n);
    const x = f.subarray(0, n);
    const want = Array.from(x, gelu64);
    const got = f.subarray(2048, 2048 + n);
    const err = worstRel(got, want, 1e-6);
    expect(err).toBeLessThan(2e-6);
    // the tolerance catches a kernel 0.01 % off
    expect(
      worstRel(
        Array.from(want, (w) => w * 1.0001),
        want,
        1e-6,
      ),
    ).toBeGreaterThan(2e-6);
    expect(got[2]).toBe(40); // saturated: gelu(40) = 40
    expect(Math.abs(got[3])).toBeLessThan(1e-30); // and gelu(-40) ~ -40 e^-88: no NaN, no overflow
    expect(Object.is(got[0], 0)).toBe(true);
  });

  it('geluGrad equals dy times the float64 derivative', () => {
    const n = 1001;
    const rng = mulberry32(3);
    f.set(inputs(n, 11), 0);
    const dy = Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
    f.set(dy, 2048);
    k.geluGrad(0, 4 * 2048, 4 * 4096, n);
    const want = Array.from(f.subarray(0, n), (x, i) => dy[i] * geluGrad64(x));
    const got = f.subarray(4096, 4096 + n);
    expect(worstRel(got, want, 1e-5)).toBeLessThan(2e-5);
    expect(
      worstRel(
        Array.from(want, (w) => w * 1.0001),
        want,
        1e-5,
      ),
    ).toBeGreaterThan(2e-5);
    expect(got[2]).toBeCloseTo(dy[2], 6); // gelu'(40) = 1
    expect(Math.abs(got[3])).toBeLessThan(1e-30); // gelu'(-40) ~ 0, no NaN from exp overflow
  });

  it('columnSum sums each column over runs of rows, odd widths included', () => {
    for (const [rows, cols] of [
      [1, 1],
      [3, 5],
      [600, 7], // three runs of 256 rows, one vector and 3 tail columns
      [257, 16],
    ]) {
      const rng = mulberry32(rows * 31 + cols);
      const x = Float32Array.from({ length: rows * cols }, () => rng.next() - 0.5);
      f.set(x, 0);
      f.fill(NaN, 100_000, 100_000 + 2 * cols); // out and scratch start dirty
      k.columnSum(0, rows, cols, 4 * 100_000, 4 * (100_000 + cols));
      for (let j = 0; j < cols; j++) {
        let want = 0;
        for (let r = 0; r < rows; r++) want += x[r * cols + j];
        expect(f[100_000 + j]).toBeCloseTo(want, 4);
      }
    }
  });
});

describe('layerNorm kernels on raw memory', () => {
  it('forward and backward equal the float64 formulas (hand-checked row included)', () => {
    const memory = new WebAssembly.Memory({ initial: 16 });
    const k = instantiateKernels(memory)!;
    const f = new Float32Array(memory.buffer);
    const rows = 5;
    const d = 12;
    const n = rows * d;
    const rng = mulberry32(23);
    const x = Float32Array.from({ length: n }, () => rng.next() * 4 - 2);
    x.set([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4], 0); // mean 2.5, var 1.25
    const g = Float32Array.from({ length: d }, () => rng.next() + 0.5);
    const b = Float32Array.from({ length: d }, () => rng.next() - 0.5);
    const dy = Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const at = {
      x: 0,
      g: 100,
      b: 200,
      y: 300,
      xh: 400,
      r: 500,
      dy: 600,
      dx: 700,
      dg: 800,
      db: 900,
    };
    f.set(x, at.x);
    f.set(g, at.g);
    f.set(b, at.b);
    f.set(dy, at.dy);
    const eps = 1e-5;
    k.layerNorm(4 * at.x, 4 * at.g, 4 * at.b, 4 * at.y, 4 * at.xh, 4 * at.r, rows, d, eps);
    k.layerNormGrad(
      4 * at.dy,
      4 * at.xh,
      4 * at.r,
      4 * at.g,
      4 * at.dx,
      4 * at.dg,
      4 * at.db,
      rows,
      d,
    );
    // hand-computed first row: rstd = 1 / sqrt(1.25 + 1e-5), xhat(1) = -1.5 rstd
    expect(f[at.r]).toBeCloseTo(1 / Math.sqrt(1.25 + 1e-5), 6);
    expect(f[at.xh]).toBeCloseTo(-1.5 / Math.sqrt(1.25 + 1e-5), 6);
    const dg = new Float64Array(d);
    const db = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * d, (r + 1) * d));
      const mean = row.reduce((a, v) => a + v, 0) / d;
      const vr = row.reduce((a, v) => a + (v - mean) ** 2, 0) / d;
      const rs = 1 / Math.sqrt(vr + eps);
      const xh = row.map((v) => (v - mean) * rs);
      const dxh = xh.map((_, j) => dy[r * d + j] * g[j]);
      const m1 = dxh.reduce((a, v) => a + v, 0) / d;
      const m2 = dxh.reduce((a, v, j) => a + v * xh[j], 0) / d;
      expect(f[at.r + r]).toBeCloseTo(rs, 5);
      for (let j = 0; j < d; j++) {
        expect(f[at.xh + r * d + j]).toBeCloseTo(xh[j], 5);
        expect(f[at.y + r * d + j]).toBeCloseTo(xh[j] * g[j] + b[j], 5);
        expect(f[at.dx + r * d + j]).toBeCloseTo(rs * (dxh[j] - m1 - xh[j] * m2), 5);
        dg[j] += dy[r * d + j] * xh[j];
        db[j] += dy[r * d + j];
      }
    }
    for (let j = 0; j < d; j++) {
      expect(f[at.dg + j]).toBeCloseTo(dg[j], 5);
      expect(f[at.db + j]).toBeCloseTo(db[j], 5);
    }
  });
});

describe('columnSumPlan', () => {
  it('plans sums over exactly the leading axes, in any order', () => {
    expect(columnSumPlan([5, 7], [0])).toEqual({ rows: 5, cols: 7, kept: [7] });
    expect(columnSumPlan([2, 3, 4], [1, 0])).toEqual({ rows: 6, cols: 4, kept: [4] });
    expect(columnSumPlan([2, 3, 4], [0])).toEqual({ rows: 2, cols: 12, kept: [3, 4] });
  });

  it('leaves other sums to the stock kernel', () => {
    expect(columnSumPlan([5, 7], [1])).toBeNull(); // innermost: the stock kernel reads it in order
    expect(columnSumPlan([2, 3, 4], [0, 2])).toBeNull();
    expect(columnSumPlan([5, 7], [0, 1])).toBeNull(); // everything
    expect(columnSumPlan([5, 7], [])).toBeNull();
    expect(columnSumPlan([0, 7], [0])).toBeNull();
  });
});

describe('the kernels inside tfjs-backend-wasm', () => {
  beforeAll(async () => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    expect(installWasmSimdKernels()).toBe(true);
    expect(installWasmSimdKernels()).toBe(true); // idempotent
    await tf.setBackend('wasm');
    expect(wasmSimdActive()).toBe(true);
  });

  afterAll(async () => {
    setWasmSimdEnabled(true);
    await tf.setBackend('cpu');
  });

  /** Runs f on cpu and on wasm (kernels on, then off) and returns the three results. */
  async function onEach(f: () => tf.Tensor | tf.Tensor[]): Promise<number[][][]> {
    const read = () => tf.tidy(() => [f()].flat().map((t) => Array.from(t.dataSync())));
    const out: number[][][] = [];
    await tf.setBackend('cpu');
    out.push(read());
    await tf.setBackend('wasm');
    out.push(read());
    setWasmSimdEnabled(false);
    expect(wasmSimdActive()).toBe(false);
    out.push(read());
    setWasmSimdEnabled(true);
    return out;
  }

  it('Sum over leading axes matches the cpu backend; other sums are untouched', async () => {
    const rng = mulberry32(5);
    const data = Float32Array.from({ length: 2 * 300 * 6 }, () => rng.next() - 0.5);
    const [cpu, fast, stock] = await onEach(() => {
      const x = tf.tensor3d(data, [2, 300, 6]);
      return [
        x.sum([0, 1]),
        x.sum(0, true),
        x.sum([1, 0], true),
        x.sum(2),
        x.sum(),
        tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32').sum(0),
      ];
    });
    expect(fast.map((a) => a.length)).toEqual([6, 1800, 6, 600, 1, 2]);
    fast.forEach((a, i) => a.forEach((v, j) => expect(v).toBeCloseTo(cpu[i][j], 4)));
    stock.forEach((a, i) => a.forEach((v, j) => expect(v).toBeCloseTo(cpu[i][j], 4)));
    expect(fast[5]).toEqual([4, 6]);
  });

  it('keepDims keeps the reduced leading axes as ones', () => {
    const y = tf.tidy(() => tf.ones([4, 3, 2]).sum([0, 1], true));
    expect(y.shape).toEqual([1, 1, 2]);
    expect(Array.from(y.dataSync())).toEqual([12, 12]);
    y.dispose();
  });

  it("geluOp's value and gradient match the cpu backend and the stock wasm path", async () => {
    const x0 = inputs(4 * 257, 13);
    const rng = mulberry32(17);
    const w = Float32Array.from({ length: x0.length }, () => rng.next() - 0.5);
    const [cpu, fast, stock] = await onEach(() => {
      const x = tf.tensor2d(x0, [4, 257]);
      const dw = tf.tensor2d(w, [4, 257]);
      const g = tf.grad((xx: tf.Tensor) => geluOp(xx).mul(dw).sum())(x);
      return [geluOp(x), g];
    });
    for (const other of [fast, stock])
      for (let i = 0; i < 2; i++) expect(worstRel(other[i], cpu[i], 1e-3)).toBeLessThan(1e-5);
    expect(fast[0][8] * 0).toBe(0); // finite
  });

  it("layerNormOp's value and gradients (x, g, b) match the cpu backend and the stock wasm path", async () => {
    const rng = mulberry32(29);
    const x0 = Float32Array.from({ length: 3 * 7 * 16 }, () => rng.next() * 6 - 3);
    const g0 = Float32Array.from({ length: 16 }, () => rng.next() + 0.5);
    const b0 = Float32Array.from({ length: 16 }, () => rng.next() - 0.5);
    const w0 = Float32Array.from({ length: x0.length }, () => rng.next() - 0.5);
    const ln = layerNormOp(1e-5);
    const [cpu, fast, stock] = await onEach(() => {
      const [x, g, b] = [tf.tensor3d(x0, [3, 7, 16]), tf.tensor1d(g0), tf.tensor1d(b0)];
      const w = tf.tensor3d(w0, [3, 7, 16]);
      const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
        ln(xx, gg, bb).mul(w).sum(),
      )([x, g, b]);
      return [ln(x, g, b), ...grads];
    });
    for (const other of [fast, stock])
      for (let i = 0; i < 4; i++) expect(worstRel(other[i], cpu[i], 1e-2)).toBeLessThan(1e-4);
    expect(fast.map((a) => a.length)).toEqual([336, 336, 16, 16]);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal([33, 64]);
      tf.grad((xx: tf.Tensor) => geluOp(xx).sum())(x);
      tf.grads((xx: tf.Tensor, g: tf.Tensor) => layerNormOp(1e-5)(xx, g, tf.zeros([64])).sum())([
        x,
        tf.ones([64]),
      ]);
      x.sum(0);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
