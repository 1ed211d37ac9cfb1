/**
 * What `train --init`, `eval --checkpoint` and `train --resume` refuse, and how they say it:
 * every damaged or edited checkpoint is named by folder and file, and a refused command leaves
 * its --out folder as it was.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  f32ToBytes,
  type SafeTensor,
} from '../engine/store/safetensors';
import type { CliIo } from './command';
import { main } from './main';

const root = mkdtempSync(join(tmpdir(), 'checkpoint-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const io = (): CliIo & { err: string } => {
  const o = { err: '', stdout: () => {}, stderr: (t: string) => void (o.err += t) };
  return o;
};

/** A small student: 2 layers, 2 heads, RoPE. */
const MODEL = ['model.dModel=16', 'model.layers=2', 'model.heads=2', 'model.positions=rope'];
const RUN = [
  ...MODEL,
  'data.trainSize=5',
  'sft.steps=0',
  'rl.questionsPerStep=2',
  'rl.groupSize=2',
  'rl.maxNewTokens=8',
  'rl.steps=1',
  'eval.size=2',
  'eval.maxNewTokens=8',
];
const sets = (list: string[]) => list.flatMap((s) => ['--set', s]);

const sft = join(root, 'sft');
const finished = join(root, 'finished');

beforeAll(async () => {
  const a = io();
  const code = await main(
    ['sft', '--preset', 'tiny', '--out', sft, ...sets([...MODEL, 'sft.steps=2', ...RUN.slice(4)])],
    a,
  );
  expect(code, a.err).toBe(0);
  const b = io();
  expect(await main(['train', '--out', finished, ...sets(RUN)], b), b.err).toBe(0);
}, 120_000);

/** A copy of the SFT folder changed by `edit`, with manifest.json brought up to date. */
function variant(name: string, edit: (dir: string) => void, rehash = true): string {
  const dir = join(root, name);
  cpSync(sft, dir, { recursive: true });
  edit(dir);
  if (rehash) {
    const path = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8')) as {
      files: Record<string, { sha256: string; bytes: number }>;
    };
    for (const f of Object.keys(m.files)) {
      const data = readFileSync(join(dir, f));
      m.files[f] = { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
    }
    writeFileSync(path, JSON.stringify(m));
  }
  return dir;
}

const editJson = (file: string, fn: (v: Record<string, unknown>) => unknown) => (dir: string) => {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(fn(JSON.parse(readFileSync(path, 'utf8')))));
};

const editModel = (fn: (m: Record<string, unknown>) => void) =>
  editJson('config.json', (c) => {
    fn(c.model as Record<string, unknown>);
    return c;
  });

/** Rewrites model.safetensors with `fn` applied to every tensor's values. */
const editWeights = (fn: (name: string, v: Float32Array) => void) => (dir: string) => {
  const path = join(dir, 'model.safetensors');
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path)));
  const out = [...tensors].map(([name, t]) => {
    const v = new Float32Array(t.bytes.slice().buffer);
    fn(name, v);
    return [name, { ...t, bytes: f32ToBytes(v) }] as [string, SafeTensor];
  });
  writeFileSync(path, encodeSafetensors([...out], metadata));
};

/** `train --init dir`: exit 1 and the message. */
async function initFails(dir: string): Promise<string> {
  const o = io();
  const out = join(root, `out-${Math.random().toString(36).slice(2)}`);
  expect(await main(['train', '--init', dir, '--out', out, ...sets(RUN)], o), o.err).toBe(1);
  expect(() => statSync(out)).toThrow(); // nothing was written
  return o.err;
}

describe('checkpoints that must not load', () => {
  it('the SFT folder itself loads, and carries a manifest', async () => {
    expect(readdirSync(sft).sort()).toEqual([
      'config.json',
      'manifest.json',
      'model.safetensors',
      'sft_metrics.jsonl',
      'tokenizer.json',
    ]);
    const o = io();
    const out = join(root, 'from-sft');
    expect(await main(['train', '--init', sft, '--out', out, ...sets(RUN)], o), o.err).toBe(0);
  });

  it('a flipped byte in the weights fails its SHA-256', async () => {
    const dir = variant(
      'flipped',
      (d) => {
        const path = join(d, 'model.safetensors');
        const b = readFileSync(path);
        b[b.length - 100] ^= 0x40;
        writeFileSync(path, b);
      },
      false,
    );
    expect(await initFails(dir)).toMatch(
      /flipped: model\.safetensors has SHA-256 [0-9a-f]{12}… but manifest\.json says [0-9a-f]{12}…; the file was changed or damaged/,
    );
    const e = io();
    expect(await main(['eval', '--checkpoint', dir], e)).toBe(1);
    expect(e.err).toMatch(/model\.safetensors has SHA-256/);
  });

  it('a truncated file is named with its size', async () => {
    const dir = variant(
      'truncated',
      (d) => {
        const path = join(d, 'model.safetensors');
        writeFileSync(path, readFileSync(path).subarray(0, 1000));
      },
      false,
    );
    expect(await initFails(dir)).toMatch(
      /model\.safetensors has 1000 bytes but manifest\.json says \d+; the file is incomplete or was changed/,
    );
  });

  it('NaN weights are refused, naming the tensor', async () => {
    const dir = variant(
      'nan',
      editWeights((name, v) => {
        if (name === 'h.1.mlp.c_fc.weight') v[7] = NaN;
      }),
    );
    expect(await initFails(dir)).toMatch(
      /model\.safetensors: tensor "h\.1\.mlp\.c_fc\.weight" has 1 non-finite value\(s\) \(NaN or ±Infinity\), the first at index 7/,
    );
  });

  it('an edited config.json is refused even with the manifest rewritten to match', async () => {
    const heads = variant(
      'heads',
      editModel((m) => (m.heads = 4)),
    );
    expect(await initFails(heads)).toMatch(
      /model\.safetensors: the model config it was saved with differs from config\.json \(config\.json vs weights: heads 4 vs 2\)/,
    );
    const layers = variant(
      'layers',
      editModel((m) => (m.layers = 1)),
    );
    expect(await initFails(layers)).toMatch(/layers 1 vs 2/);
    const learned = variant(
      'learned',
      editModel((m) => (m.positions = 'learned')),
    );
    expect(await initFails(learned)).toMatch(/positions "learned" vs "rope"/);
    // Without the weights' own config (another writer), the tensors still give layers away.
    const bare = variant('bare', (d) => {
      editWeights(() => {})(d);
      const path = join(d, 'model.safetensors');
      const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(path)));
      writeFileSync(path, encodeSafetensors([...tensors]));
      editModel((m) => (m.layers = 1))(d);
    });
    expect(await initFails(bare)).toMatch(
      /model\.safetensors: it holds tensor "h\.1\.ln_1\.weight", which a model of config\.json's shape \(.*layers 1.*\) does not have/,
    );
  });

  it('says what a file is and what was expected', async () => {
    const nul = variant('null', (d) => writeFileSync(join(d, 'config.json'), 'null'));
    expect(await initFails(nul)).toMatch(
      /config\.json holds null; expected an object \{"model": \{\.\.\.\}, "run": \{\.\.\.\}, "step": N\}/,
    );
    const shape = variant('shape', (d) => {
      const path = join(d, 'model.safetensors');
      const b = readFileSync(path);
      const n = Number(b.readBigUInt64LE(0));
      const header = b.subarray(8, 8 + n).toString('utf8');
      const bad = header.replace('"shape":[16]', '"shape":"abc"').padEnd(n, ' ');
      expect(bad).not.toBe(header);
      writeFileSync(path, Buffer.concat([b.subarray(0, 8), Buffer.from(bad), b.subarray(8 + n)]));
    });
    expect(await initFails(shape)).toMatch(
      /model\.safetensors: Tensor "[^"]+": shape is "abc"; expected a list of non-negative integers/,
    );
    const r = io();
    expect(await main(['train', '--resume', sft], r)).toBe(2);
    expect(r.err).toMatch(
      /is a checkpoint folder \(its config\.json holds \{model, run, step\}, as "sft" writes\), not a run folder written by "train --out"; start RL from it with "train --init/,
    );
    const run = io();
    expect(
      await main(['train', '--init', finished, '--out', join(root, 'x'), ...sets(RUN)], run),
    ).toBe(1);
    expect(run.err).toMatch(
      /is a run folder written by "train --out"; its checkpoint is .*checkpoint/,
    );
  });

  it('--init fixes the model: a --set that differs is refused, the config records the real shape', async () => {
    const o = io();
    const out = join(root, 'init-set');
    expect(
      await main(['train', '--init', sft, '--out', out, ...sets([...RUN, 'model.dModel=32'])], o),
    ).toBe(1);
    expect(o.err).toMatch(
      /--set model\.dModel=32 cannot apply: --init .* fixes model\.dModel at 16/,
    );
    // The preset's model (d64, 2 layers) is not what --init brings: config.json says what trains.
    const p = io();
    const plain = join(root, 'init-plain');
    expect(
      await main(['train', '--init', sft, '--out', plain, ...sets(RUN.slice(4))], p),
      p.err,
    ).toBe(0);
    const c = JSON.parse(readFileSync(join(plain, 'config.json'), 'utf8')) as { model: unknown };
    expect(c.model).toEqual({
      dModel: 16,
      layers: 2,
      heads: 2,
      context: 160,
      mlpRatio: 4,
      positions: 'rope',
    });
  });

  it('a legacy folder without manifest.json loads with a note', async () => {
    const dir = variant('legacy', (d) => rmSync(join(d, 'manifest.json')), false);
    const o = io();
    expect(
      await main(['train', '--init', dir, '--out', join(root, 'legacy-out'), ...sets(RUN)], o),
      o.err,
    ).toBe(0);
    expect(o.err).toMatch(/note: .*legacy has no manifest\.json \(written before manifests\)/);
  });
});

describe('an existing --out folder', () => {
  const hashes = (dir: string) =>
    Object.fromEntries(
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
          const p = join(e.parentPath, e.name);
          return [p, createHash('sha256').update(readFileSync(p)).digest('hex')];
        }),
    );

  it('is not touched before the inputs are checked, and replaced only with --overwrite', async () => {
    const before = hashes(finished);
    const broken = variant('broken-init', (d) => writeFileSync(join(d, 'config.json'), '{'), false);
    const a = io();
    expect(await main(['train', '--out', finished, '--init', broken, ...sets(RUN)], a)).toBe(2);
    expect(a.err).toMatch(
      /already holds a run \(config\.json, metrics\.jsonl, .*checkpoint\/\); continue it with "train --resume .*", choose another --out, or pass --overwrite/,
    );
    const b = io();
    expect(
      await main(['train', '--out', finished, '--overwrite', '--init', broken, ...sets(RUN)], b),
    ).toBe(1);
    expect(b.err).toMatch(/broken-init: config\.json has 1 bytes but manifest\.json says \d+/);
    expect(hashes(finished)).toEqual(before);
    const s = io();
    expect(await main(['sft', '--preset', 'tiny', '--out', sft], s)).toBe(2);
    expect(s.err).toMatch(/already holds a checkpoint .*pass --overwrite to replace it/);
  });
});
