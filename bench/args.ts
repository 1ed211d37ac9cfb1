import { isPresetName, PRESET_NAMES, type PresetName } from './presets';

export const ALL_TARGETS = [
  'cpu',
  'wasm',
  'browser-webgpu',
  'browser-wasm',
  'browser-webgl',
] as const;
export type Target = (typeof ALL_TARGETS)[number];

export interface BenchArgs {
  presets: PresetName[];
  targets: Target[];
  out: string | null;
  full: boolean;
}

export const USAGE =
  'usage: npm run bench -- [--presets tiny,lab] [--backends ' +
  ALL_TARGETS.join(',') +
  '] [--out FILE] [--full]';

function list<T extends string>(raw: string, ok: (s: string) => s is T, what: string): T[] {
  const items = raw.split(',').map((s) => s.trim());
  const bad = items.filter((s) => !ok(s));
  if (bad.length) throw new Error(`unknown ${what}: ${bad.join(', ')}\n${USAGE}`);
  return items as T[];
}

const isTarget = (s: string): s is Target => (ALL_TARGETS as readonly string[]).includes(s);

export function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = { presets: PRESET_NAMES, targets: [...ALL_TARGETS], out: null, full: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--presets') a.presets = list(value(), isPresetName, 'preset');
    else if (flag === '--backends') a.targets = list(value(), isTarget, 'backend');
    else if (flag === '--out') a.out = value();
    else if (flag === '--full') a.full = true;
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  return a;
}
