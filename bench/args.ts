import os from 'node:os';
import { PARTS, type Part } from './plan';
import { DEFAULT_PRESETS, isPresetName, type PresetName } from './presets';

export const ALL_TARGETS = [
  'cpu',
  'wasm',
  'webgpu',
  'torch',
  'browser-webgpu',
  'browser-wasm',
  'browser-webgl',
  // the lab page itself, no URL parameters: load -> first RL charts, Start -> first guidance
  'first-minute',
] as const;
export type Target = (typeof ALL_TARGETS)[number];
/** What a bare `npm run bench` runs: all but Node WebGPU, which needs a Vulkan driver set up. */
export const DEFAULT_TARGETS: Target[] = ALL_TARGETS.filter((t) => t !== 'webgpu');

export interface BenchArgs {
  presets: PresetName[];
  /** --presets was given (a bare run leaves the real-size students out of the browser runs). */
  presetsNamed: boolean;
  targets: Target[];
  parts: Part[];
  out: string | null;
  full: boolean;
  /** Node wasm with tfjs's own BatchMatMul (the "before" of src/engine/backend/wasmMatMul.ts). */
  stockMatMul: boolean;
  /**
   * Node WebGPU: sample() steps forward()'s per-layer kernels (6 dispatches a layer) instead of
   * the row decoder (one dispatch a step, src/engine/backend/webgpu/rowDecodeStep.ts): its "before".
   */
  layerDecoding: boolean;
  /** Chromium flags for a real GPU (Vulkan) instead of SwiftShader. */
  gpu: boolean;
  /** Config overrides applied to every preset, as the CLI's --set key=value. */
  sets: string[];
  /** Serve this built site (dist/) for the browser runs instead of vite build + preview. */
  site: string | null;
  /**
   * Node wasm runs once per thread count (1 = the single-threaded SIMD build, more = tfjs's
   * threaded build, src/cli/nodeWasmThreads.ts); PyTorch runs at these counts too.
   */
  wasmThreads: number[];
}

/** 1 and this machine's core count (at most 8, tfjs's pool). */
export const DEFAULT_WASM_THREADS = [...new Set([1, Math.min(8, Math.max(1, os.cpus().length))])];

export const USAGE =
  'usage: npm run bench -- [--presets tiny,lab (or cpu, unknown-behavior)] [--backends ' +
  ALL_TARGETS.join(',') +
  '] [--parts ' +
  PARTS.join(',') +
  '] [--set key=value]... [--out FILE] [--full] [--stock-matmul] [--layer-decoding] [--gpu] [--site DIR] [--wasm-threads 1,2]';

function list<T extends string>(raw: string, ok: (s: string) => s is T, what: string): T[] {
  const items = raw.split(',').map((s) => s.trim());
  const bad = items.filter((s) => !ok(s));
  if (bad.length) throw new Error(`unknown ${what}: ${bad.join(', ')}\n${USAGE}`);
  return items as T[];
}

function threadList(raw: string): number[] {
  const items = raw.split(',').map((s) => Number(s.trim()));
  if (items.some((n) => !Number.isInteger(n) || n < 1 || n > 8))
    throw new Error(
      `--wasm-threads takes thread counts from 1 to 8, e.g. 1,2 (got "${raw}")\n${USAGE}`,
    );
  return [...new Set(items)];
}

const isTarget = (s: string): s is Target => (ALL_TARGETS as readonly string[]).includes(s);
const isPart = (s: string): s is Part => (PARTS as readonly string[]).includes(s);

export function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = {
    presets: [...DEFAULT_PRESETS],
    presetsNamed: false,
    targets: [...DEFAULT_TARGETS],
    parts: [...PARTS],
    out: null,
    full: false,
    stockMatMul: false,
    layerDecoding: false,
    gpu: false,
    sets: [],
    site: null,
    wasmThreads: [...DEFAULT_WASM_THREADS],
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--presets') {
      a.presets = list(value(), isPresetName, 'preset');
      a.presetsNamed = true;
    } else if (flag === '--backends') a.targets = list(value(), isTarget, 'backend');
    else if (flag === '--parts') a.parts = list(value(), isPart, 'part');
    else if (flag === '--out') a.out = value();
    else if (flag === '--full') a.full = true;
    else if (flag === '--stock-matmul') a.stockMatMul = true;
    else if (flag === '--layer-decoding') a.layerDecoding = true;
    else if (flag === '--gpu') a.gpu = true;
    else if (flag === '--set') a.sets.push(value());
    else if (flag === '--site') a.site = value();
    else if (flag === '--wasm-threads') a.wasmThreads = threadList(value());
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  return a;
}
