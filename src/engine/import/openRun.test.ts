import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import {
  malformedVerlDump,
  syntheticTrlCompletions,
  syntheticVerlDump,
} from '../../../scripts/importFixtures';
import { memorySource } from './memorySource';
import { detectFormat, openRun, readGroup, readRollout } from './openRun';
import { windowOverlap } from './trlCompletions';
import type { ImportSource } from '../../contract/importedRun';

const sources = (files: Map<string, string | Uint8Array>, chunk = 64 * 1024): ImportSource[] =>
  [...files].map(([name, data]) => memorySource(`run/${name}`, data, chunk));

const line = (o: Record<string, unknown>) => JSON.stringify(o);

describe('verl rollout dumps', () => {
  // 2 steps; step 1 has two prompts (3 and 1 rollouts, interleaved), step 2 one prompt.
  const files = new Map([
    [
      '1.jsonl',
      [
        line({ input: 'Q1', output: 'a \\boxed{4}', score: 1, step: 1, gts: '4', acc: true }),
        line({ input: 'Q2', output: 'b', score: 0, step: 1, gts: '9', acc: false }),
        line({ input: 'Q1', output: 'c', score: 0, step: 1, gts: '4', acc: false }),
        line({ input: 'Q1', output: 'd \\boxed{4}', score: 1, step: 1, gts: '4', acc: true }),
      ].join('\n') + '\n',
    ],
    [
      '2.jsonl',
      line({ input: 'Q1', output: 'é ünïcode 😀', score: 0.5, step: 2, my_key: 0.25 }) + '\n',
    ],
    ['notes.txt', 'ignored'],
  ]);

  it('rebuilds groups by (step, input) and reads each output back from its byte range', async () => {
    const run = await openRun('dump', sources(files, 7)); // 7-byte chunks: lines cross chunk edges
    expect(run.format).toBe('verl');
    expect(run.steps).toEqual([1, 2]);
    expect(run.groups.map((g) => [g.step, g.index, g.prompt, g.count, g.groundTruth])).toEqual([
      [1, 0, 'Q1', 3, '4'],
      [1, 1, 'Q2', 1, '9'],
      [2, 0, 'Q1', 1, null],
    ]);
    expect(run.groups[0].meanReward).toBeCloseTo(2 / 3, 12); // (1 + 0 + 1) / 3
    expect(run.problems).toEqual([]);
    const g0 = await readGroup(run, 0);
    expect(g0.map((d) => d.completion)).toEqual(['a \\boxed{4}', 'c', 'd \\boxed{4}']);
    expect(g0.map((d) => d.components.acc)).toEqual([1, 0, 1]);
    expect(g0.every((d) => Number.isNaN(d.advantage))).toBe(true);
    const last = await readGroup(run, 2);
    expect(last[0].completion).toBe('é ünïcode 😀');
    expect(last[0].components).toEqual({ my_key: 0.25 });
    expect(run.facts.advantage).toBe(false);
    expect(run.facts.perToken).toBe(false);
    expect(run.facts.absent.join(' ')).toMatch(/verl never writes them/);
  });

  it('malformed lines are named by file and line; the rest loads', async () => {
    const bad = malformedVerlDump(); // 40 rollouts; 3 lines broken
    const run = await openRun('bad', sources(bad));
    expect(run.order.length).toBe(37);
    expect(run.problemCount).toBe(3);
    expect(run.problems).toEqual([
      { file: 'run/1.jsonl', line: 3, message: expect.stringContaining('missing field "score"') },
      { file: 'run/1.jsonl', line: 5, message: '"step" must be an integer (got "one")' },
      {
        file: 'run/2.jsonl',
        line: 20,
        message: expect.stringMatching(
          /^invalid JSON .* the last line has no newline: a torn write\?$/,
        ),
      },
    ]);
  });

  it('Python NaN scores read as NaN; a wrong type is a problem', async () => {
    const run = await openRun(
      'nan',
      sources(
        new Map([
          [
            '3.jsonl',
            '{"input": "Q", "output": "x", "score": NaN, "step": 3}\n' +
              '{"input": "Q", "output": 5, "score": 1, "step": 3}\n' +
              '[1, 2]\n',
          ],
        ]),
      ),
    );
    expect(Number.isNaN(run.reward[0])).toBe(true);
    expect(run.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '2: "output" must be a string (got number)',
      '3: expected one JSON object per line, got an array',
    ]);
  });

  it('a synthetic 2 000-rollout dump groups into G = 8', async () => {
    const run = await openRun('big', sources(syntheticVerlDump({ rollouts: 2000 })));
    expect(run.order.length).toBe(2000);
    expect(run.groups).toHaveLength(250); // 2000 / 8
    expect(run.groups.every((g) => g.count === 8)).toBe(true);
    expect(run.steps).toEqual([1, 2, 3, 4, 5]); // 50 prompts x 8 per step
    expect(new Set(run.order).size).toBe(2000);
  });
});

function trlFile(
  step: number,
  rows: Array<[string, string, number, number]>,
  drop?: string,
): Uint8Array {
  const cols = [
    { name: 'step', data: rows.map(() => BigInt(step)), type: 'INT64' as const },
    { name: 'prompt', data: rows.map((r) => r[0]), type: 'STRING' as const },
    { name: 'completion', data: rows.map((r) => r[1]), type: 'STRING' as const },
    { name: 'acc', data: rows.map((r) => r[2]), type: 'DOUBLE' as const },
    { name: 'advantage', data: rows.map((r) => r[3]), type: 'DOUBLE' as const },
  ].filter((c) => c.name !== drop);
  return new Uint8Array(parquetWriteBuffer({ columnData: cols }));
}

describe('TRL completion logs', () => {
  it('skips the rows a rolling window repeats (hand-checked)', async () => {
    const A: [string, string, number, number] = ['P', 'a', 1, 1];
    const B: [string, string, number, number] = ['P', 'b', 0, -1];
    const C: [string, string, number, number] = ['R', 'c', 1, 0];
    const C2: [string, string, number, number] = ['R', 'c', 1, 0]; // same text again in a new step
    const D: [string, string, number, number] = ['S', 'd', 0, 0];
    const files = new Map([
      ['completions/completions_00001.parquet', trlFile(1, [A, B, C])],
      ['completions/completions_00002.parquet', trlFile(2, [B, C, C2, D])], // window: drop A
      ['completions/completions_00010.parquet', trlFile(10, [C2, D])],
    ]);
    const run = await openRun('trl', sources(files));
    expect(run.format).toBe('trl');
    expect(run.order.length).toBe(5); // A B C | C2 D
    expect(run.duplicates).toBe(4); // B C, then C2 D
    expect(run.groups.map((g) => [g.step, g.prompt, g.count])).toEqual([
      [1, 'P', 2],
      [1, 'R', 1],
      [2, 'R', 1],
      [2, 'S', 1],
    ]);
    const g = await readGroup(run, 0);
    expect(g.map((d) => [d.completion, d.reward, d.advantage])).toEqual([
      ['a', 1, 1],
      ['b', 0, -1],
    ]);
    expect(run.componentNames).toEqual(['acc']);
    expect(run.facts.advantage).toBe(true);
  });

  it('a file without a required column is named and skipped', async () => {
    const files = new Map([
      ['completions_00001.parquet', trlFile(1, [['P', 'a', 1, 0]])],
      ['completions_00002.parquet', trlFile(2, [['Q', 'b', 1, 0]], 'advantage')],
      ['completions_00003.parquet', new TextEncoder().encode('not parquet')],
    ]);
    const run = await openRun('trl', sources(files));
    expect(run.order.length).toBe(1);
    expect(run.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('missing column "advantage"'),
      expect.stringContaining('not a readable parquet file'),
    ]);
    expect(run.problems[0].file).toBe('run/completions_00002.parquet');
  });

  it('synthetic TRL folder: every logged row once; NaN rewards left out of the sum', async () => {
    const files = syntheticTrlCompletions({ steps: 10 }); // 32 new rows per step, window 64
    const run = await openRun('trl', sources(files));
    expect(run.order.length).toBe(320);
    expect(run.duplicates).toBe(9 * 32);
    expect(run.groups).toHaveLength(40); // 4 prompts per step
    const nan = run.components[run.componentNames.indexOf('format_reward')];
    const i = nan.findIndex((v) => Number.isNaN(v));
    expect(i).toBeGreaterThanOrEqual(0);
    const acc = run.components[run.componentNames.indexOf('accuracy_reward')];
    expect(run.reward[i]).toBe(acc[i]); // nansum: the NaN format reward adds nothing
    expect((await readRollout(run, i)).extra).toEqual({ source: 'synthetic' });
  });

  it('windowOverlap finds the longest suffix/prefix match', () => {
    expect(windowOverlap(['a', 'b', 'c'], ['b', 'c', 'd'])).toBe(2);
    expect(windowOverlap(['a', 'b'], ['c'])).toBe(0);
    expect(windowOverlap(['x', 'x', 'x'], ['x', 'x', 'x', 'y'])).toBe(3);
    expect(windowOverlap([], ['a'])).toBe(0);
  });
});

describe("the lab's trajectories.jsonl", () => {
  const traj = (group: number, index: number, reward: number) => ({
    step: 4,
    group,
    index,
    itemId: 'x',
    question: `Q${group}`,
    answer: '7',
    response: `r${index}`,
    reward,
    rewardComponents: { correctness: reward },
    advantage: reward - 0.5,
    correct: reward > 0,
    finished: true,
    truncated: false,
    guided: false,
    zeroSpread: false,
    tokens: [{ id: 5, text: 'r', logprob: -0.5, oldLogprob: -0.6, advantage: reward - 0.5 }],
  });

  it('keeps per-token values, groups by the lab group number', async () => {
    const text =
      [traj(0, 0, 1), traj(0, 1, 0), traj(1, 0, 1)].map(line).join('\n') + '\n{"step": 4}\n';
    const run = await openRun('lab', [memorySource('out/trajectories.jsonl', text)]);
    expect(run.format).toBe('lab');
    expect(run.groups.map((g) => [g.prompt, g.count, g.groundTruth])).toEqual([
      ['Q0', 2, '7'],
      ['Q1', 1, '7'],
    ]);
    const g = await readGroup(run, 0);
    expect(g[1].trajectory?.tokens[0].logprob).toBe(-0.5);
    expect(g.map((d) => d.advantage)).toEqual([0.5, -0.5]);
    expect(run.facts.perToken).toBe(true);
    expect(run.problems).toEqual([
      {
        file: 'out/trajectories.jsonl',
        line: 4,
        message: '"group" must be a number (got undefined).',
      },
    ]);
  });
});

describe('format detection', () => {
  it('names what it expects when nothing matches', () => {
    const r = detectFormat([memorySource('a/metrics.jsonl', '')]);
    expect('error' in r && r.error).toMatch(
      /No run found in 1 file \(metrics\.jsonl\)\. Open a verl rollout folder/,
    );
  });
});
