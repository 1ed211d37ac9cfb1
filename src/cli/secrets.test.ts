/**
 * API keys given every way the CLI takes one (the teacher URL's query, the flag, a key file, the
 * environment) and echoed back by the teacher (in its guidance, and in a 401 body) appear in no
 * file of the run folders, no line the CLI prints, and no run bundle exported from them.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../contract/config';
import { TransformerModel } from '../engine/model/transformer';
import { presetConfig } from '../contract/presets';
import { checkpointFiles } from '../engine/store/checkpoint';
import { buildTokenizer } from '../engine/student';
import { generateProblems } from '../engine/tasks/generated';
import {
  startTestTeacherServer,
  type TestTeacherServer,
} from '../../test/teacherServer/testServer';
import { exportRunBundle, importRunBundle } from '../storage/bundle';
import { RunStore } from '../storage/runStore';
import { writeZip } from '../storage/zip';
import { writeCheckpointDir } from './checkpointDir';
import type { CliIo } from './command';
import { main } from './main';

const KEYS = {
  url: 'urlkey-7Hq2Lw9Zp4',
  flag: 'sk-flagkey-3Nf8Vb',
  file: 'filekey-Jd82Kq01',
  env: 'envkey-Qm5Rt7Xc',
};

const root = mkdtempSync(join(tmpdir(), 'secrets-'));
let server: TestTeacherServer;
const printed: string[] = [];

const io = (): CliIo & { err: string } => {
  const o = {
    err: '',
    stdout: (t: string) => void printed.push(t),
    stderr: (t: string) => {
      o.err += t;
      printed.push(t);
    },
  };
  return o;
};

/** The run: 2 questions x 3 rollouts, the teacher asked for half of them every step. */
const SETS = [
  'data.trainSize=6',
  'rl.questionsPerStep=2',
  'rl.groupSize=3',
  'rl.maxNewTokens=8',
  'rl.steps=2',
  'eval.size=2',
  'eval.maxNewTokens=8',
  'thinktuning.schedule="constant"',
  'thinktuning.initialRate=0.5',
  'thinktuning.minRate=0.5',
  'teacher.retries=0',
  'teacher.circuitFailures=0',
].flatMap((s) => ['--set', s]);

/** A student whose EOS logit is raised, so its rollouts finish and go to the teacher. */
async function eagerStudent(dir: string): Promise<void> {
  await tf.setBackend('cpu');
  let c: RunConfig = presetConfig('tiny');
  for (const s of ['model.dModel=16', 'model.layers=1', 'model.heads=2', 'model.context=384'])
    c = applyOverride(c, s);
  const tok = buildTokenizer(
    c,
    generateProblems({ seed: 3, count: 20, levels: [1], split: 'train' }),
  );
  const model = TransformerModel.create({ ...c.model, vocab: tok.vocabSize }, c.seed);
  const u = Array.from({ length: c.model.dModel }, (_, i) => (i % 2 ? 0.25 : -0.25));
  model.params.lnfb.assign(tf.tensor1d(u));
  const w = model.params.wte.arraySync() as number[][];
  w[tok.eosId] = w[tok.eosId].map((x, i) => x + 2 * u[i]);
  model.params.wte.assign(tf.tensor2d(w));
  await writeCheckpointDir(dir, await checkpointFiles(model, tok, c, 0));
  model.dispose();
}

beforeAll(async () => {
  server = await startTestTeacherServer();
  await eagerStudent(join(root, 'init'));
}, 120_000);

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
  delete process.env.TEACHER_API_KEY;
});

const teacherUrl = () => `${server.url}?api_key=${KEYS.url}`;
// What the teacher of run 1 was given, echoed back (a reply can only leak what it was sent).
const echo = `${KEYS.url} ${KEYS.flag}`;

/** Every file under `dir`, as text. */
function files(dir: string): Array<[string, string]> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => [join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name), 'latin1')]);
}

function expectNoKey(where: string, text: string): void {
  for (const [how, key] of Object.entries(KEYS))
    expect(text.includes(key), `${how} key found in ${where}`).toBe(false);
}

describe('API keys stay out of every output', () => {
  it('through the URL query, the flag, a key file, the environment and teacher replies', async () => {
    const init = join(root, 'init');
    const train = (out: string, extra: string[]) =>
      main(
        [
          'train',
          '--init',
          init,
          '--out',
          out,
          '--algo',
          'thinktuning',
          '--teacher',
          'http',
          '--teacher-url',
          teacherUrl(),
          '--teacher-model',
          'm',
          ...extra,
          ...SETS,
        ],
        io(),
      );

    // 1. The flag; the teacher echoes every key in its guidance (reason and phrase).
    server.setMode('ok', { catchphrase: echo, reason: `I recall the key ${echo} here.` });
    const a = io();
    expect(
      await main(
        [
          'train',
          '--init',
          init,
          '--out',
          join(root, 'flag'),
          '--algo',
          'thinktuning',
          '--teacher',
          'http',
          '--teacher-url',
          teacherUrl(),
          '--teacher-model',
          'm',
          '--teacher-key',
          KEYS.flag,
          ...SETS,
        ],
        a,
      ),
      a.err,
    ).toBe(0);
    expect(a.err).toMatch(
      /warning: --teacher-key puts the key in the process list.* --teacher-key-file FILE or the TEACHER_API_KEY/,
    );
    const guided = readFileSync(join(root, 'flag', 'trajectories.jsonl'), 'utf8');
    expect(guided).toMatch(/"guided":true/);
    expect(guided).toContain('[redacted]');
    // The endpoint keeps the base URL's query after its path.
    expect(server.requests.log.at(-1)?.path).toBe(`/v1/chat/completions?api_key=${KEYS.url}`);

    // 2. A key file; the server never answers: every timeout note names the URL.
    server.setMode('hang');
    const keyFile = join(root, 'key.txt');
    writeFileSync(keyFile, `${KEYS.file}\n`);
    expect(
      await train(join(root, 'file'), [
        '--teacher-key-file',
        keyFile,
        '--set',
        'teacher.timeoutMs=300',
      ]),
    ).toBe(0);
    expect(printed.join('')).toMatch(
      /teacher timeout: no complete reply within 300 ms from http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions\?api_key=\[redacted\]/,
    );

    // 3. The environment; the server answers 401 echoing the Authorization header it got.
    process.env.TEACHER_API_KEY = KEYS.env;
    server.setMode('unauthorized');
    expect(await train(join(root, 'env'), [])).toBe(0);
    delete process.env.TEACHER_API_KEY;
    expect(printed.join('')).toMatch(/teacher auth: HTTP 401/);

    // Files, printed lines.
    for (const run of ['flag', 'file', 'env'])
      for (const [path, text] of files(join(root, run))) expectNoKey(path, text);
    expectNoKey('the printed lines', printed.join(''));

    // The export: a run folder imported into the browser's store and exported again.
    const folder = join(root, 'flag');
    const entries = files(folder).map(([path]) => ({
      name: path.slice(folder.length + 1),
      data: new Uint8Array(readFileSync(path)),
    }));
    const store = await RunStore.open({ indexedDB: new IDBFactory() });
    const run = await importRunBundle(store, writeZip(entries), 'flag.zip');
    const bundle = await exportRunBundle(store, run.id);
    expectNoKey('the exported bundle', new TextDecoder('latin1').decode(bundle.bytes));
    expect((await store.loadTrajectories(run.id)).length).toBe(2);
    store.close();
  }, 300_000);
});
