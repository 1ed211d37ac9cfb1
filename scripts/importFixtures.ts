/**
 * Synthetic big runs for the importer's tests, bench and browser test: a verl rollout dump
 * (`<step>.jsonl`, lines shuffled within a step as balance_batch leaves them), a TRL completions
 * folder (rolling parquet windows that overlap, as TRL's deques make them) and malformed copies.
 * Deterministic for a seed. CLI: `npx tsx scripts/importFixtures.ts --out DIR [--rollouts N]`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMain } from '../src/cli/isMain';
import { parquetWriteBuffer } from 'hyparquet-writer';

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Ava', 'Ben', 'Chloe', 'Dev', 'Emma', 'Farid', 'Grace', 'Hugo'];
const THINGS = ['apples', 'marbles', 'stamps', 'coins', 'books', 'shells'];

/** A question with its answer, and a response that is right or wrong. */
function problem(r: () => number, k: number) {
  const name = NAMES[k % NAMES.length];
  const thing = THINGS[(k >> 3) % THINGS.length];
  const a = 10 + Math.floor(r() * 90);
  const b = 2 + Math.floor(r() * 30);
  const question = `${name} has ${a} ${thing} and buys ${b} more, then gives away ${Math.floor(b / 2)}. How many ${thing} does ${name} have now?`;
  return { question, answer: String(a + b - Math.floor(b / 2)), a, b };
}

function response(
  r: () => number,
  p: ReturnType<typeof problem>,
): { text: string; correct: boolean } {
  const correct = r() < 0.6;
  const total = p.a + p.b;
  const got = correct ? Number(p.answer) : Number(p.answer) + 1 + Math.floor(r() * 5);
  const steps = [
    `First, ${p.a} + ${p.b} = ${total}.`,
    `Then half of ${p.b} is ${Math.floor(p.b / 2)}, so ${total} - ${Math.floor(p.b / 2)} = ${got}.`,
    r() < 0.3 ? 'Wait, let me check that again: the subtraction holds.' : 'That seems right.',
  ];
  const pad = ' Let me restate the quantities to be sure I read the question correctly.'.repeat(
    1 + Math.floor(r() * 4),
  );
  return { text: `${steps.join(' ')}${pad} The answer is \\boxed{${got}}.`, correct };
}

/** Chat-templated prompt as verl decodes it (special tokens skipped, role words kept). */
const verlInput = (q: string) =>
  `system\nYou are a helpful assistant.\nuser\n${q} Let's think step by step and output the final answer after "####".\nassistant\n`;

export interface VerlDumpOptions {
  rollouts: number;
  groupSize?: number;
  promptsPerStep?: number;
  seed?: number;
}

/** A verl dump: file name -> text. */
export function syntheticVerlDump(o: VerlDumpOptions): Map<string, string> {
  const G = o.groupSize ?? 8;
  const B = o.promptsPerStep ?? 50;
  const r = rng(o.seed ?? 7);
  const files = new Map<string, string>();
  let made = 0;
  for (let step = 1; made < o.rollouts; step++) {
    const lines: string[] = [];
    for (let q = 0; q < B && made < o.rollouts; q++) {
      const p = problem(r, step * B + q);
      for (let i = 0; i < G && made < o.rollouts; i++, made++) {
        const res = response(r, p);
        const score = res.correct ? 1 : 0;
        lines.push(
          JSON.stringify({
            input: verlInput(p.question),
            output: res.text,
            gts: p.answer,
            score,
            step,
            acc: res.correct,
            correctness: score,
          }),
        );
      }
    }
    for (let i = lines.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1)); // balance_batch reorders rows within a step
      [lines[i], lines[j]] = [lines[j], lines[i]];
    }
    files.set(`${step}.jsonl`, lines.join('\n') + '\n');
  }
  return files;
}

/** A dump with one torn last line, one line without "score" and one with a string "step". */
export function malformedVerlDump(): Map<string, string> {
  const files = syntheticVerlDump({ rollouts: 40, groupSize: 4, promptsPerStep: 5 });
  const one = files.get('1.jsonl')!.split('\n');
  const missing = JSON.parse(one[2]) as Record<string, unknown>;
  delete missing.score;
  one[2] = JSON.stringify(missing);
  const wrong = JSON.parse(one[4]) as Record<string, unknown>;
  wrong.step = 'one';
  one[4] = JSON.stringify(wrong);
  files.set('1.jsonl', one.join('\n'));
  const two = files.get('2.jsonl')!.trimEnd();
  files.set('2.jsonl', two.slice(0, two.length - 25)); // a write cut mid-line
  return files;
}

export interface TrlOptions {
  steps: number;
  /** New rows per logged step (prompts × G). */
  rowsPerStep?: number;
  /** The deques' maxlen: generation_batch_size. */
  window?: number;
  groupSize?: number;
  seed?: number;
}

interface TrlRow {
  prompt: string;
  completion: string;
  accuracy: number;
  format: number;
  advantage: number;
  source: string;
}

/** A TRL completions folder: `completions_<step:05d>.parquet` -> bytes, windows overlapping. */
export function syntheticTrlCompletions(o: TrlOptions): Map<string, Uint8Array> {
  const G = o.groupSize ?? 8;
  const perStep = o.rowsPerStep ?? 32;
  const window = o.window ?? 64;
  const r = rng(o.seed ?? 11);
  const deque: TrlRow[] = [];
  const files = new Map<string, Uint8Array>();
  for (let step = 1; step <= o.steps; step++) {
    for (let q = 0; q < perStep / G; q++) {
      const p = problem(r, step * 100 + q);
      const group = Array.from({ length: G }, () => response(r, p));
      const rewards: number[] = group.map((g) => (g.correct ? 1 : 0));
      const mean = rewards.reduce((s, x) => s + x, 0) / G;
      const std = Math.sqrt(rewards.reduce((s, x) => s + (x - mean) ** 2, 0) / (G - 1));
      group.forEach((g, i) =>
        deque.push({
          prompt: `user\n${p.question}\nassistant\n`, // chat template, special tokens skipped
          completion: g.text,
          accuracy: rewards[i],
          format: i === 0 && step % 5 === 0 ? Number.NaN : 1, // a reward function that returned None
          advantage: (rewards[i] - mean) / (std + 1e-4), // TRL: (r - mean) / (std + 1e-4)
          source: 'synthetic',
        }),
      );
    }
    while (deque.length > window) deque.shift();
    const rows = [...deque];
    files.set(
      `completions_${String(step).padStart(5, '0')}.parquet`,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'step', data: rows.map(() => BigInt(step)), type: 'INT64' },
            { name: 'prompt', data: rows.map((x) => x.prompt), type: 'STRING' },
            { name: 'completion', data: rows.map((x) => x.completion), type: 'STRING' },
            { name: 'accuracy_reward', data: rows.map((x) => x.accuracy), type: 'DOUBLE' },
            { name: 'format_reward', data: rows.map((x) => x.format), type: 'DOUBLE' },
            { name: 'source', data: rows.map((x) => x.source), type: 'STRING' },
            { name: 'advantage', data: rows.map((x) => x.advantage), type: 'DOUBLE' },
          ],
        }),
      ),
    );
  }
  return files;
}

/** Writes a fixture map into a folder. */
export async function writeFixture(
  dir: string,
  files: Map<string, string | Uint8Array>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, data] of files) await writeFile(join(dir, name), data);
}

async function cli(argv: string[]): Promise<void> {
  const arg = (flag: string, fallback: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const out = arg('--out', 'out/import-fixtures');
  const rollouts = Number(arg('--rollouts', '100000'));
  await writeFixture(join(out, 'verl-rollouts'), syntheticVerlDump({ rollouts }));
  await writeFixture(join(out, 'verl-malformed'), malformedVerlDump());
  await writeFixture(join(out, 'trl-run', 'completions'), syntheticTrlCompletions({ steps: 40 }));
  process.stdout.write(
    `${out}: verl-rollouts (${rollouts} rollouts), verl-malformed, trl-run/completions\n`,
  );
}

if (isMain(import.meta.url, 'importFixtures')) await cli(process.argv.slice(2));
