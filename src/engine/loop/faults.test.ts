/**
 * Training through faults: every teacher fault kind against the real test server (counted by
 * kind, training goes on), the circuit breaker inside the loop, and non-finite updates (skipped,
 * weights unchanged, K in a row pause the run with the last good weights).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyOverride, type RunConfig } from '../../contract/config';
import type { StepMetrics } from '../../contract/metrics';
import { TransformerModel } from '../model/transformer';
import { AdamW } from '../optim/adamw';
import { presetConfig } from '../../contract/presets';
import { buildTokenizer } from '../student';
import { generateProblems } from '../tasks/generated';
import { HttpTeacher, type HttpTeacherOptions } from '../teacher';
import {
  refusedUrl,
  startTestTeacherServer,
  type TestServerMode,
  type TestTeacherServer,
} from '../../../test/teacherServer/testServer';
import { promptIds } from '../sft/examples';
import { disposePacked, packRollouts } from './pack';
import { lossConfigFromConfig } from './setup';
import { RlTrainer } from './trainer';
import { runUpdates } from './update';

/** When on, every advantage the trainer computes is NaN (a poisoned advantage). */
const poison = vi.hoisted(() => ({ on: false }));
vi.mock('../rl/advantages', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../rl/advantages')>();
  return {
    ...mod,
    computeAdvantages: (...args: Parameters<typeof mod.computeAdvantages>) => {
      const r = mod.computeAdvantages(...args);
      return poison.on ? { ...r, advantages: r.advantages.map(() => Number.NaN) } : r;
    },
  };
});

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const items = generateProblems({ seed: 3, count: 40, levels: [1], split: 'train' });

/** Tiny ThinkTuning config: 3 questions x 3 rollouts, the teacher always on at rate 0.3. */
function faultConfig(patch: string[] = []): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'model.context=384',
    'rl.questionsPerStep=3',
    'rl.groupSize=3',
    'rl.maxNewTokens=8',
    'rl.algo="thinktuning"',
    'thinktuning.schedule="constant"',
    'thinktuning.initialRate=0.3',
    'thinktuning.minRate=0.3',
    'teacher.circuitFailures=0',
    ...patch,
  ])
    c = applyOverride(c, s);
  return c;
}

/** A fresh student whose EOS logit is raised, so rollouts finish and go to the teacher. */
function student(c: RunConfig) {
  const tok = buildTokenizer(c, items);
  const model = TransformerModel.create({ ...c.model, vocab: tok.vocabSize }, c.seed);
  const u = Array.from({ length: c.model.dModel }, (_, i) => (i % 2 ? 0.25 : -0.25));
  model.params.lnfb.assign(tf.tensor1d(u));
  const w = model.params.wte.arraySync() as number[][];
  w[tok.eosId] = w[tok.eosId].map((x, i) => x + 2 * u[i]);
  model.params.wte.assign(tf.tensor2d(w));
  return { tok, model };
}

const weights = (m: TransformerModel) => m.variables().map((v) => Array.from(v.dataSync()));

/** Calls the teacher was asked for in a step: guided + failed + skipped by the open circuit. */
const jobs = (m: StepMetrics) =>
  m['thinktuning/guided_count']! +
  m['thinktuning/teacher_failures']! +
  (m['thinktuning/teacher_skipped'] ?? 0);

describe('training through teacher faults (test server)', () => {
  let server: TestTeacherServer;
  beforeAll(async () => {
    server = await startTestTeacherServer({ oversizeBytes: 256 * 1024, retryAfter: '0' });
  });
  afterAll(async () => {
    await server.close();
  });

  const trainer = (c: RunConfig, opts: Partial<HttpTeacherOptions> = {}, now?: () => number) => {
    const { tok, model } = student(c);
    const teacher = new HttpTeacher({
      baseURL: server.url,
      model: 'test',
      timeoutMs: 400,
      retries: 0,
      maxReplyBytes: 64 * 1024,
      ...opts,
    });
    return {
      model,
      trainer: new RlTrainer({ config: c, model, tokenizer: tok, trainItems: items, teacher, now }),
    };
  };

  const cases: Array<[TestServerMode | 'refused', string | null]> = [
    ['ok', null],
    ['slow', null], // 150 ms, within the 400 ms timeout
    ['malformed', 'format'],
    ['truncatedJson', 'bad_json'],
    ['oversized', 'oversized'],
    ['error500', 'server_error'],
    ['rateLimited', 'rate_limited'],
    ['hang', 'timeout'],
    ['refused', 'network'],
    ['redirect', 'redirect'],
    ['unauthorized', 'auth'],
    ['unknownModel', 'unknown_model'],
  ];
  it('every fault kind is counted per step by kind, and training goes on', async () => {
    const refused = await refusedUrl();
    const c = faultConfig();
    for (const [mode, kind] of cases) {
      server.setMode(mode === 'refused' ? 'ok' : mode, { delayMs: mode === 'slow' ? 150 : 0 });
      server.reset();
      const { model, trainer: t } = trainer(c, mode === 'refused' ? { baseURL: refused } : {});
      const tensorsBefore = tf.memory().numTensors;
      for (let s = 0; s < 2; s++) {
        const r = await t.runStep();
        const m = r.metrics;
        expect(m.step, mode).toBe(s + 1);
        expect(Number.isFinite(m.loss), mode).toBe(true);
        expect(jobs(m), mode).toBeGreaterThan(0);
        if (kind === null) {
          expect(m['thinktuning/guided_count'], `${mode}: ${r.notes.join(' / ')}`).toBe(jobs(m));
          expect(m['thinktuning/teacher_failures'], mode).toBe(0);
        } else {
          expect(m['thinktuning/guided_count'], mode).toBe(0);
          expect(m[`thinktuning/teacher_failures/${kind}`], mode).toBe(jobs(m));
          expect(m['thinktuning/teacher_failures'], mode).toBe(jobs(m));
          expect(
            r.notes.some((n) => n.startsWith(`teacher ${kind}:`)),
            mode,
          ).toBe(true);
        }
        // Every kind has its column, zero or not.
        expect(m['thinktuning/teacher_failures/cors']).toBe(0);
        expect(m['thinktuning/teacher_circuit_open']).toBe(0);
      }
      // One request per call: no retries asked, none made.
      if (mode !== 'refused') expect(server.requests.count, mode).toBeGreaterThan(0);
      t.dispose();
      model.dispose();
      expect(tf.memory().numTensors, mode).toBeLessThanOrEqual(tensorsBefore);
    }
  });

  it('the circuit opens after N failures, skips calls while open, probes after the cool-down and closes', async () => {
    let now = 0;
    const c = faultConfig(['teacher.circuitFailures=2', 'teacher.circuitCooldownMs=1000']);
    server.setMode('error500', { delayMs: 0 });
    server.reset();
    const { model, trainer: t } = trainer(c, {}, () => now);

    const s1 = (await t.runStep()).metrics;
    expect(s1['thinktuning/teacher_failures/server_error']).toBe(jobs(s1));
    expect(jobs(s1)).toBeGreaterThanOrEqual(2);
    expect(s1['thinktuning/teacher_circuit_open']).toBe(1);
    const calls = server.requests.count;

    const r2 = await t.runStep();
    const s2 = r2.metrics;
    expect(server.requests.count).toBe(calls); // no call while open
    expect(s2['thinktuning/teacher_skipped']).toBe(jobs(s2));
    expect(s2['thinktuning/teacher_failures']).toBe(0);
    expect(s2['thinktuning/teacher_circuit_open']).toBe(1);
    expect(Number.isFinite(s2.loss)).toBe(true);
    expect(r2.notes.some((n) => /Teacher calls paused: \d+ failed calls in a row/.test(n))).toBe(
      true,
    );

    // After the cool-down one probe goes out; the server has recovered, so it closes.
    now += 1000;
    server.setMode('ok');
    const s3 = (await t.runStep()).metrics;
    expect(server.requests.count).toBe(calls + 1);
    expect(s3['thinktuning/guided_count']).toBe(1);
    expect(s3['thinktuning/teacher_skipped']).toBe(jobs(s3) - 1);
    expect(s3['thinktuning/teacher_circuit_open']).toBe(0);

    const s4 = (await t.runStep()).metrics;
    expect(s4['thinktuning/guided_count']).toBe(jobs(s4));
    expect(s4['thinktuning/teacher_skipped']).toBe(0);
    t.dispose();
    model.dispose();
  });
});

describe('questions longer than the context', () => {
  it('are left out and counted instead of failing the run; none fitting is a clear error', async () => {
    const c = faultConfig(['rl.algo="grpo"', 'rl.questionsPerStep=4']);
    const { tok, model } = student(c);
    const lengths = items.map((it) => promptIds(tok, it, '').length).sort((a, b) => a - b);
    // A context between the shortest and the longest prompt: some questions cannot fit.
    const cut = lengths[Math.floor(lengths.length / 2)];
    const small = TransformerModel.create({ ...c.model, context: cut, vocab: tok.vocabSize }, 1);
    const t = new RlTrainer({
      config: c,
      model: small,
      tokenizer: tok,
      trainItems: items,
      teacher: null,
    });
    let skipped = 0;
    for (let s = 0; s < 4; s++) {
      const r = await t.runStep();
      expect(r.trajectories.every((x) => x.question.length > 0)).toBe(true);
      skipped += r.metrics['data/skipped_too_long']!;
      if (r.metrics['data/skipped_too_long']! > 0)
        expect(r.notes.join(' ')).toMatch(
          /longer than the model context \(\d+ tokens\) were left out/,
        );
    }
    expect(skipped).toBeGreaterThan(0);
    expect(skipped).toBe(t.tooLongQuestions);
    t.dispose();
    small.dispose();
    const tiny = TransformerModel.create({ ...c.model, context: 16, vocab: tok.vocabSize }, 1);
    const none = new RlTrainer({
      config: c,
      model: tiny,
      tokenizer: tok,
      trainItems: items,
      teacher: null,
    });
    await expect(none.runStep()).rejects.toThrow(
      /Every training question is longer than the model context \(16 tokens\)/,
    );
    none.dispose();
    tiny.dispose();
    model.dispose();
  });
});

describe('non-finite updates', () => {
  it('an update with a non-finite loss (poisoned advantage) is skipped and leaves the weights unchanged', async () => {
    const c = faultConfig(['rl.miniBatches=2']);
    const { tok, model } = student(c);
    const optimizer = new AdamW(model.variables(), {
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.01,
      gradClip: 1,
    });
    const seq = (n: number) => tok.encode('12 + 7 = 19').slice(0, n);
    const packed = packRollouts(
      [0, 1, 2, 3].map((i) => ({
        prompt: [tok.bosId, ...seq(3)],
        response: [...seq(4 + i), tok.eosId],
        offPolicy: Array(5 + i).fill(false),
        advantage: [Number.NaN, 1, -1, Number.NaN][i],
      })),
      tok.padId,
    );
    const oldLogp = tf.zeros([4, packed.length - 1]) as tf.Tensor2D;
    const before = weights(model);
    const tensors = tf.memory().numTensors;
    const report = await runUpdates({
      model,
      optimizer,
      packed,
      oldLogp,
      refLogp: null,
      lossConfig: lossConfigFromConfig(c),
      miniBatches: 2,
      epochs: 1,
      lr: 0.1,
    });
    expect(report.updates).toBe(2);
    expect(report.skipped).toBe(2);
    expect(Number.isNaN(report.metrics['loss/total'])).toBe(true);
    expect(weights(model)).toEqual(before);
    expect(optimizer.stepCount).toBe(0);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([oldLogp]);
    disposePacked(packed);
    optimizer.dispose();
    model.dispose();
  });

  it('non-finite steps are counted and logged, and K in a row pause with the last good weights', async () => {
    const c = faultConfig(['rl.algo="grpo"', 'rl.maxNonFiniteSteps=2']);
    const { tok, model } = student(c);
    const t = new RlTrainer({ config: c, model, tokenizer: tok, trainItems: items, teacher: null });
    const before = weights(model);
    poison.on = true;
    const r1 = await t.runStep();
    expect(r1.metrics['numerics/nonfinite_skipped']).toBe(r1.metrics['update/count']);
    expect(r1.metrics['numerics/nonfinite_streak']).toBe(1);
    expect(r1.notes).toContain(
      'step 1: 1 update(s) skipped for a non-finite loss or gradient; the weights were left as they were',
    );
    expect(r1.halt).toBeUndefined();
    expect(weights(model)).toEqual(before);
    const tensors = tf.memory().numTensors;
    const r2 = await t.runStep();
    expect(r2.metrics['numerics/nonfinite_streak']).toBe(2);
    expect(r2.halt).toMatchObject({ reason: 'non-finite', step: 2, lastGoodStep: 0 });
    expect(r2.halt?.message).toMatch(/2 steps in a row.*weights of step 0.*lower rl\.lr/);
    expect(weights(model)).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    poison.on = false;
    t.dispose();
    model.dispose();
  });

  it('weights that turn non-finite are put back; a clean step resets the streak', async () => {
    const c = faultConfig(['rl.algo="grpo"', 'rl.maxNonFiniteSteps=3']);
    const { tok, model } = student(c);
    const t = new RlTrainer({ config: c, model, tokenizer: tok, trainItems: items, teacher: null });
    const clean = await t.runStep();
    expect(clean.metrics['numerics/nonfinite_streak']).toBe(0);
    const good = weights(model);
    // The learning rate is live config: a NaN one makes finite updates write NaN weights.
    t.config.rl.lr = Number.NaN;
    for (let s = 1; s <= 3; s++) {
      const r = await t.runStep();
      expect(r.metrics['numerics/weights_restored']).toBe(1);
      expect(r.metrics['numerics/nonfinite_streak']).toBe(s);
      expect(r.notes.some((n) => /weights of step 1 were put back/.test(n))).toBe(true);
      expect(weights(model)).toEqual(good);
      expect(r.halt === undefined).toBe(s < 3);
    }
    t.config.rl.lr = 3e-3;
    const again = await t.runStep();
    expect(again.metrics['numerics/nonfinite_streak']).toBe(0);
    expect(again.metrics['numerics/weights_restored']).toBe(0);
    expect(weights(model)).not.toEqual(good);
    const last = t.guards.lastGoodWeights();
    expect(last?.step).toBe(5);
    expect(last?.weights.map((w) => Array.from(w.dataSync()))).toEqual(weights(model));
    tf.dispose(last?.weights);
    t.dispose();
    model.dispose();
  });
});
