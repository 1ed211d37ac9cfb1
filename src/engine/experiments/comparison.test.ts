/**
 * The paper's comparison on a micro config (wasm backend, seconds): five rows with finite numbers,
 * the same table for the same seed, every arm's history, no tensor left behind, and a stop that
 * keeps the finished rows.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../../contract/config';
import { presetConfig } from '../../contract/presets';
import { runComparison } from './comparison';
import { type ComparisonProgress } from '../../contract/comparison';
import { METHODS } from '../../contract/resultsTable';

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

/** A micro config: 1-layer d=16 student, 2 questions x 3 rollouts, 2 steps per arm. */
function micro(patch: string[] = []): RunConfig {
  let c = presetConfig('tiny');
  for (const a of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'data.trainSize=40',
    'data.evalSize=6',
    'eval.size=6',
    'eval.maxNewTokens=12',
    'sft.steps=4',
    'sft.warmupSteps=0',
    'rl.steps=2',
    'rl.questionsPerStep=2',
    'rl.groupSize=3',
    'rl.maxNewTokens=12',
    'thinktuning.schedule="constant"',
    'thinktuning.initialRate=0.5',
    'thinktuning.offThreshold=0',
    ...patch,
  ])
    c = applyOverride(c, a);
  return c;
}

/** The table without the wall-clock column. */
const table = (rows: Awaited<ReturnType<typeof runComparison>>['rows']) =>
  rows.map(({ trainSeconds: _t, ...r }) => r);

describe('runComparison', () => {
  it('fills five rows with finite numbers, deterministically, without leaking tensors', async () => {
    const c = micro();
    const before = tf.memory().numTensors;
    const seen: ComparisonProgress[] = [];
    const a = await runComparison(c, { onProgress: (p) => seen.push(p) });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.stopped).toBe(false);
    expect(a.rows.map((r) => r.method)).toEqual([...METHODS]);
    expect(a.sources).toEqual(['generated L1']);
    for (const r of a.rows) {
      expect(r.questions).toBe(6);
      for (const v of [
        r.overall,
        r.accuracy['generated L1'],
        r.meanTokens,
        r.formatRate,
        r.reflectionRate,
      ]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
      expect(r.catchphraseRate).toBeNull(); // the tiny preset sets no catchphrase
      expect(r.meanTokens).toBeLessThanOrEqual(12);
    }
    // Histories: RL one row per step, STaR one per iteration (2 updates -> 2 iterations), SFT per update.
    const len = Object.fromEntries(a.arms.map((h) => [h.method, h.metrics.length]));
    expect(len).toEqual({ 'zero-shot': 0, sft: 2, star: 2, grpo: 2, thinktuning: 2 });
    expect(a.warmup.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(a.budget).toMatchObject({ updates: 2, rowsPerUpdate: 6, rollouts: 12 });
    // Progress covers the warm-up and every method's training and evaluation, in order.
    expect([...new Set(seen.map((p) => p.method))]).toEqual(['warm-up', ...METHODS]);
    expect(seen.at(-1)).toMatchObject({ methodsDone: 4, methodsTotal: 5, phase: 'eval' });

    const b = await runComparison(c);
    expect(table(b.rows)).toEqual(table(a.rows));
    expect(b.arms.map((h) => h.metrics.map((m) => m.loss))).toEqual(
      a.arms.map((h) => h.metrics.map((m) => m.loss)),
    );
  });

  it('stops when asked, keeping the rows that finished and disposing everything', async () => {
    const c = micro();
    const before = tf.memory().numTensors;
    const abort = new AbortController();
    const r = await runComparison(c, {
      signal: abort.signal,
      onRow: (row) => {
        if (row.method === 'sft') abort.abort();
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.stopped).toBe(true);
    expect(r.rows.map((x) => x.method)).toEqual(['zero-shot', 'sft']);
  });

  it("runs a subset in the paper's order; only ThinkTuning's rollouts are guided", async () => {
    // e2e/lab.ts's recipe: 20 warm-up steps at a high rate teach EOS, so rollouts finish and
    // the teacher really guides some.
    const c = micro(['sft.steps=20', 'sft.lr=0.02', 'rl.maxNewTokens=32', 'eval.maxNewTokens=32']);
    const r = await runComparison(c, { methods: ['thinktuning', 'grpo'] });
    expect(r.rows.map((x) => x.method)).toEqual(['grpo', 'thinktuning']);
    const guided = (m: string) =>
      r.arms.find((h) => h.method === m)!.metrics.map((x) => x['thinktuning/guided_count']);
    expect(guided('grpo')).toEqual([0, 0]);
    expect(guided('thinktuning').reduce((x: number, y) => x + y!, 0)).toBeGreaterThan(0);
    await expect(runComparison(micro(['student.source="hf"']))).rejects.toThrow(
      /trains scratch students only for now \(student.source is "hf"\); set student.source=scratch/,
    );
    await expect(runComparison(micro(), { methods: [] })).rejects.toThrow(
      /No methods to compare; pick some of: zero-shot, sft, star, grpo, thinktuning/,
    );
  });
});
