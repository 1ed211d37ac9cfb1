/**
 * Fuzz over the config schema: seeded mutations of a preset (negative sizes, NaN, ±Infinity,
 * 1e308, wrong types, unknown and prototype keys, deep objects), through parseConfig (objects)
 * and applyOverride (the CLI's and the URL's `a.b=value`). Each mutation is either rejected with
 * an Error that names the field, or accepted as a config that validates again; a sample of the
 * accepted ones runs one RL step of a micro student.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, parseConfig, RunConfigSchema, type RunConfig } from '../contract/config';
import { buildTeacher } from './teacher/build';
import { RlTrainer } from './loop/trainer';
import { presetConfig } from '../contract/presets';
import { mulberry32, type Rng } from './random';
import { buildTokenizer, createStudent } from './student';
import { generateProblems } from './tasks/generated';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];

/** Every leaf field of the schema as "section.key" (or "seed"). */
function leafPaths(): string[] {
  const out: string[] = [];
  for (const [k, s] of Object.entries(RunConfigSchema.shape)) {
    const shape = (s as { shape?: Record<string, unknown> }).shape;
    if (shape) for (const f of Object.keys(shape)) out.push(`${k}.${f}`);
    else out.push(k);
  }
  return out;
}

/** The config's sections (seed and backend are plain fields). */
const SECTIONS = Object.keys(RunConfigSchema.shape).filter(
  (k) => 'shape' in (RunConfigSchema.shape as Record<string, object>)[k],
);

function deep(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Bad, odd and fine values for any field. */
const VALUES: readonly unknown[] = [
  -1,
  -1e9,
  0,
  1,
  0.5,
  3,
  64,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e308,
  -1e308,
  2 ** 53,
  '',
  'abc',
  '1e3',
  'x'.repeat(5000),
  true,
  false,
  null,
  [],
  [1, 2],
  ['money'],
  {},
  deep(1000),
];
const UNKNOWN_KEYS = ['bogus', 'apiKey', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];

type Mutation = { label: string; path: string; apply: (c: RunConfig) => unknown };

function mutations(rng: Rng, n: number): Mutation[] {
  const paths = leafPaths();
  const out: Mutation[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.75) {
      const path = pick(rng, paths);
      const value = pick(rng, VALUES);
      out.push({
        label: `${path} = ${String(JSON.stringify(value))?.slice(0, 40)}`,
        path,
        apply: (c) => {
          const copy = structuredClone(c) as unknown as Record<string, Record<string, unknown>>;
          const [s, k] = path.split('.');
          if (k === undefined) (copy as Record<string, unknown>)[s] = value;
          else copy[s][k] = value;
          return copy;
        },
      });
    } else if (r < 0.9) {
      const section = pick(rng, [null, ...SECTIONS]);
      const key = pick(rng, UNKNOWN_KEYS);
      const path = section ? `${section}.${key}` : key;
      out.push({
        label: `unknown ${path}`,
        path,
        apply: (c) => {
          const copy = structuredClone(c) as unknown as Record<string, Record<string, unknown>>;
          const target = section ? copy[section] : (copy as Record<string, unknown>);
          Object.defineProperty(target, key, { value: 1, enumerable: true, writable: true });
          return copy;
        },
      });
    } else {
      const section = pick(rng, SECTIONS);
      const value = pick(rng, [null, 5, 'x', [], deep(10_000)]);
      out.push({
        label: `section ${section} = ${typeof value}`,
        path: section,
        apply: (c) => ({ ...c, [section]: value }),
      });
    }
  }
  return out;
}

/** Every number in a JSON-like value. */
function numbersIn(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (v && typeof v === 'object') return Object.values(v).flatMap(numbersIn);
  return [];
}

/**
 * The Error's message names the field: its path, a leading part of it (the first unknown key of
 * "a.b.c"), or its last key (an unknown key is listed by name).
 */
function namesField(message: string, path: string): boolean {
  const parts = path.split('.');
  return (
    parts.some((_, i) => message.includes(parts.slice(0, i + 1).join('.'))) ||
    message.includes(parts.at(-1)!)
  );
}

describe('config schema fuzz', () => {
  it('parseConfig rejects each bad mutation naming the field, or accepts a valid config', () => {
    const rng = mulberry32(8);
    const base = presetConfig('tiny');
    let rejected = 0;
    let accepted = 0;
    for (const m of mutations(rng, 600)) {
      let parsed: RunConfig | null = null;
      try {
        parsed = parseConfig(m.apply(base));
      } catch (e) {
        expect(e, m.label).toBeInstanceOf(Error);
        expect(
          namesField((e as Error).message, m.path),
          `${m.label}: ${(e as Error).message}`,
        ).toBe(true);
        rejected++;
        continue;
      }
      accepted++;
      // Accepted: a config that validates again, with finite numbers only.
      expect(parseConfig(structuredClone(parsed)), m.label).toEqual(parsed);
      expect(numbersIn(parsed).every(Number.isFinite), m.label).toBe(true);
      expect(Object.getPrototypeOf(parsed), m.label).toBe(Object.prototype);
    }
    expect(rejected).toBeGreaterThan(300);
    expect(accepted).toBeGreaterThan(20);
  });

  it('applyOverride (CLI --set, URL set=) rejects with the field named or gives a valid config', () => {
    const rng = mulberry32(9);
    const base = presetConfig('tiny');
    const paths = leafPaths();
    const raw = [
      '-1',
      'NaN',
      'Infinity',
      '-Infinity',
      '1e308',
      '1e999',
      '"5"',
      'abc',
      '',
      'null',
      'true',
      '[1,',
      '{"a":1}',
      '[' + '['.repeat(10_000) + ']'.repeat(10_000) + ']',
      '0.1',
      '2',
    ];
    const extraPaths = [
      '__proto__',
      '__proto__.polluted',
      'constructor.prototype.polluted',
      'rl.__proto__',
      'rl.toString',
      'rl.lr.x',
      'nope.x',
      '.',
      'rl.',
    ];
    // Prototype names are unknown keys, never paths into the object.
    for (const a of ['__proto__={"seed":5}', 'rl.__proto__={"lr":0.5}', 'constructor=1'])
      expect(() => applyOverride(base, a), a).toThrow(
        /Unknown config key "(rl\.)?(__proto__|constructor)"/,
      );
    for (let i = 0; i < 500; i++) {
      const path = i < extraPaths.length * 2 ? extraPaths[i % extraPaths.length] : pick(rng, paths);
      const assignment = `${path}=${pick(rng, raw)}`;
      try {
        const c = applyOverride(base, assignment);
        expect(parseConfig(structuredClone(c)), assignment).toEqual(c);
        expect(Object.getPrototypeOf(c.rl), assignment).toBe(Object.prototype);
      } catch (e) {
        expect(e, assignment).toBeInstanceOf(Error);
        const msg = (e as Error).message;
        expect(namesField(msg, path) || /key=value/.test(msg), `${assignment}: ${msg}`).toBe(true);
      }
      expect(({} as Record<string, unknown>).polluted, assignment).toBeUndefined();
    }
  });

  it('a sample of accepted mutations runs one RL step of a micro student', async () => {
    const micro = (c: RunConfig) => {
      for (const s of [
        'model.dModel=8',
        'model.layers=1',
        'model.heads=2',
        'model.context=256',
        'tokenizer.kind="char"',
        'data.source="generated"',
        'data.trainSize=8',
        'sft.steps=0',
        'rl.steps=1',
        'rl.questionsPerStep=2',
        'rl.groupSize=2',
        'rl.maxNewTokens=6',
        'rl.miniBatches=1',
        'rl.epochs=1',
        'teacher.kind="builtin"',
      ])
        c = applyOverride(c, s);
      return c;
    };
    // Knobs the step reads, at the edges of their ranges.
    const rng = mulberry32(10);
    const edges = [
      'rl.lr=1',
      'rl.lr=0',
      'rl.temperature=0',
      'rl.temperature=5',
      'rl.topP=0.001',
      'rl.gradClip=0',
      'rl.epsLow=0',
      'rl.epsHigh=10',
      'rl.dualClip=null',
      'rl.klBeta=10',
      'rl.entropyCoef=10',
      'rl.advantage="batch-std"',
      'rl.aggregation="seq-mean-token-sum-norm"',
      'rl.skipZeroSpread=true',
      'thinktuning.initialRate=1',
      'thinktuning.gammaScale=1',
      'reward.lengthPenalty=10',
      'reward.format=10',
      'rl.maxNonFiniteSteps=0',
      'teacher.circuitFailures=0',
    ];
    const chosen = Array.from({ length: 6 }, () => pick(rng, edges));
    for (const edge of chosen) {
      const c = applyOverride(micro(presetConfig('tiny')), edge);
      const items = generateProblems({ seed: 1, count: 8, levels: [1], split: 'train' });
      const tok = buildTokenizer(c, items);
      const model = createStudent(c, tok);
      const t = new RlTrainer({
        config: c,
        model,
        tokenizer: tok,
        trainItems: items,
        teacher: buildTeacher(c),
      });
      const r = await t.runStep();
      expect(r.metrics.step, edge).toBe(1);
      // Whatever the knob did to the numbers, the weights stay finite (or were put back).
      for (const v of model.variables())
        expect(Array.from(v.dataSync()).every(Number.isFinite), edge).toBe(true);
      t.dispose();
      model.dispose();
    }
  });
});
