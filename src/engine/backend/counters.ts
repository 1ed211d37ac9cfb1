/**
 * Counts what a piece of tfjs work costs in calls: op-level kernels on every backend and, on
 * WebGPU, compute dispatches, queue submits, CPU->GPU uploads and GPU->CPU readbacks (async
 * `getBufferData`, and `readSync` of data that is not already on the CPU). The counting is done by
 * wrapping methods of the live engine and backend (`countCalls`, generic and pure apart from
 * the object it patches); `startWorkCounter` knows which methods of tfjs 4.22 to wrap.
 * Used by the benchmark to report dispatches and readbacks per decoded token.
 */
import * as tf from '@tensorflow/tfjs';

/** Tallies of counted calls; a name absent from the counted object is absent here. */
export type WorkCounts = Record<string, number>;

export interface CallCounter {
  /** Counts so far (a copy). */
  counts(): WorkCounts;
  /** Puts the original methods back. */
  restore(): void;
}

/** A method to count: its name on the object, the tally it adds to, and when it counts. */
export interface CountedMethod {
  method: string;
  as: string;
  /** Decides from the call's arguments (before the call runs) whether it counts; default always. */
  when?: (self: unknown, args: unknown[]) => boolean;
}

/**
 * Wraps the named methods of `target` so each call (that passes `when`) adds 1 to its tally, then
 * runs the original unchanged. Methods the object does not have are skipped (not tallied).
 */
export function countCalls(target: object, methods: CountedMethod[]): CallCounter {
  const obj = target as Record<string, unknown>;
  const tallies: WorkCounts = {};
  const originals: Array<[string, unknown, boolean]> = [];
  for (const m of methods) {
    const original = obj[m.method];
    if (typeof original !== 'function') continue;
    tallies[m.as] ??= 0;
    originals.push([m.method, original, Object.prototype.hasOwnProperty.call(obj, m.method)]);
    const fn = original as (...a: unknown[]) => unknown;
    obj[m.method] = function (this: unknown, ...args: unknown[]) {
      if (!m.when || m.when(this, args)) tallies[m.as] += 1;
      return fn.apply(this, args);
    };
  }
  return {
    counts: () => ({ ...tallies }),
    restore() {
      for (const [name, original, own] of originals.reverse()) {
        if (own) obj[name] = original;
        else delete obj[name]; // it came from the prototype
      }
    },
  };
}

/** a - b per tally (for counts taken around one piece of work). */
export function diffCounts(after: WorkCounts, before: WorkCounts): WorkCounts {
  const out: WorkCounts = {};
  for (const k of Object.keys(after)) out[k] = after[k] - (before[k] ?? 0);
  return out;
}

/** Each tally divided by `units` (e.g. decoding steps), rounded to 2 decimals. */
export function perUnit(counts: WorkCounts, units: number): WorkCounts {
  if (!(units > 0)) throw new Error(`perUnit needs a positive number of units (got ${units})`);
  const out: WorkCounts = {};
  for (const [k, v] of Object.entries(counts)) out[k] = Math.round((v / units) * 100) / 100;
  return out;
}

interface WebGpuTensorData {
  values?: unknown;
  resource?: unknown;
  dtype?: string;
}
const gpuData = (self: unknown, dataId: unknown): WebGpuTensorData | undefined =>
  (self as { tensorMap?: { get(id: unknown): WebGpuTensorData | undefined } }).tensorMap?.get(
    dataId,
  );

/** The WebGPU backend methods (tfjs-backend-webgpu 4.22) that are GPU work or CPU<->GPU traffic. */
export const WEBGPU_METHODS: CountedMethod[] = [
  { method: 'recordAndSubmit', as: 'dispatches' },
  { method: 'submitQueue', as: 'submits' },
  { method: 'getBufferData', as: 'readbacks' },
  {
    method: 'readSync',
    as: 'syncReadbacks',
    // only when the values are not cached on the CPU already
    when: (self, [dataId]) => {
      const d = gpuData(self, dataId);
      return d !== undefined && d.values == null && d.dtype !== 'string';
    },
  },
  {
    method: 'uploadToGPU',
    as: 'uploads',
    when: (self, [dataId]) => {
      const d = gpuData(self, dataId);
      return d !== undefined && d.resource == null && d.values != null;
    },
  },
];

/**
 * Starts counting on the active backend: `kernels` (every op-level kernel the engine runs) and
 * `reads` (async tensor reads, data()) everywhere, plus WEBGPU_METHODS on WebGPU. (readSync is
 * not counted in general: wasm's own kernels call it to view their inputs on the heap.) Call
 * restore() when done.
 */
export function startWorkCounter(): CallCounter {
  const engine = tf.engine();
  const backend = tf.backend() as unknown as object;
  const onEngine = countCalls(engine, [{ method: 'runKernel', as: 'kernels' }]);
  const onBackend = countCalls(backend, [
    { method: 'read', as: 'reads' },
    ...(tf.getBackend() === 'webgpu' ? WEBGPU_METHODS : []),
  ]);
  return {
    counts: () => ({ ...onEngine.counts(), ...onBackend.counts() }),
    restore() {
      onBackend.restore();
      onEngine.restore();
    },
  };
}

/**
 * Tallies WebGPU dispatches by the engine kernel that recorded them (the innermost runKernel on
 * the stack when `recordAndSubmit` runs: "Mul", "BatchMatMul", "ThinkTuningAdamW"; "(none)"
 * outside any). Generic over the two objects it patches, like countCalls; restore() undoes it.
 */
export function profileDispatches(engine: object, backend: object): CallCounter {
  const e = engine as Record<string, unknown>;
  const b = backend as Record<string, unknown>;
  const stack: string[] = [];
  const tallies: WorkCounts = {};
  const originals: Array<[Record<string, unknown>, string, unknown, boolean]> = [];
  const wrap = (obj: Record<string, unknown>, name: string, f: (orig: Fn) => Fn) => {
    const orig = obj[name];
    if (typeof orig !== 'function') return;
    originals.push([obj, name, orig, Object.prototype.hasOwnProperty.call(obj, name)]);
    obj[name] = f(orig as Fn);
  };
  type Fn = (...a: unknown[]) => unknown;
  wrap(
    e,
    'runKernel',
    (orig) =>
      function (this: unknown, ...a: unknown[]) {
        stack.push(String(a[0]));
        try {
          return orig.apply(this, a);
        } finally {
          stack.pop();
        }
      },
  );
  wrap(
    b,
    'recordAndSubmit',
    (orig) =>
      function (this: unknown, ...a: unknown[]) {
        const k = stack[stack.length - 1] ?? '(none)';
        tallies[k] = (tallies[k] ?? 0) + 1;
        return orig.apply(this, a);
      },
  );
  return {
    counts: () => ({ ...tallies }),
    restore() {
      for (const [obj, name, orig, own] of originals.reverse()) {
        if (own) obj[name] = orig;
        else delete obj[name];
      }
    },
  };
}

/** profileDispatches on the live engine and backend (empty tallies off WebGPU). */
export function startDispatchProfile(): CallCounter {
  return profileDispatches(tf.engine(), tf.backend() as unknown as object);
}
