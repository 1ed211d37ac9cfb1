import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../../contract/config';
import { TransformerModel } from '../model/transformer';
import { presetConfig } from '../../contract/presets';
import { checkpointFiles } from '../store/checkpoint';
import { buildTokenizer } from '../student';
import { generateProblems } from '../tasks/generated';
import { resumePointFromFiles, resumeTrainer, trainerCheckpoint } from './resume';
import { runTraining } from './run';
import { buildTeacher } from '../teacher/build';
import { RlTrainer } from './trainer';
import {
  checkTrainerState,
  decodeTrainerState,
  encodeTrainerState,
  TRAINER_STATE_FILE,
} from './trainerState';
import type { StepMetrics } from '../../contract/metrics';

// WASM: the same exactness as cpu (one backend throughout), at a fraction of the time.
beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

const items = generateProblems({ seed: 5, count: 5, levels: [1], split: 'train' });

/**
 * Tiny ThinkTuning run: 2 questions x 3 rollouts of 10 tokens, 2 mini-batches, the KL term on,
 * a warm-up + cosine LR and a linear teacher schedule (both functions of the step). 5 questions
 * at 2 a step: the shuffled order wraps mid-run, so the data cursor and RNG are exercised.
 */
function config(): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=16',
    'model.layers=1',
    'model.heads=2',
    'model.context=512',
    'rl.questionsPerStep=2',
    'rl.groupSize=3',
    'rl.maxNewTokens=8',
    'rl.miniBatches=2',
    'rl.klBeta=0.1',
    'rl.lr=0.01',
    'rl.minLr=0.001',
    'rl.lrSchedule="linear-warmup-cosine"',
    'rl.warmupSteps=2',
    'rl.steps=4',
    'rl.algo="thinktuning"',
    'thinktuning.schedule="linear"',
    'thinktuning.initialRate=0.9',
    'thinktuning.minRate=0.3',
    'thinktuning.scheduleSteps=4',
    'thinktuning.offThreshold=0',
  ])
    c = applyOverride(c, s);
  return c;
}

/** A fresh student whose EOS logit is raised, so rollouts finish and the teacher guides some. */
function student(c: RunConfig) {
  const tok = buildTokenizer(c, items);
  const model = TransformerModel.create({ ...c.model, vocab: tok.vocabSize }, c.seed);
  const u = Array.from({ length: c.model.dModel }, (_, i) => (i % 2 ? 0.3 : -0.3));
  tf.tidy(() => {
    model.params.lnfb.assign(tf.tensor1d(u));
    const w = model.params.wte.arraySync() as number[][];
    w[tok.eosId] = w[tok.eosId].map((x, i) => x + 2 * u[i]);
    model.params.wte.assign(tf.tensor2d(w));
  });
  return { tok, model };
}

/** Metrics that measure time vary run to run; everything else must match exactly. */
function withoutTiming(m: StepMetrics): StepMetrics {
  return Object.fromEntries(
    Object.entries(m).filter(
      ([k]) => !k.startsWith('timing/') && !k.startsWith('throughput/') && k !== 'step_time',
    ),
  ) as StepMetrics;
}

describe('resume: N steps = k steps + checkpoint bytes + N-k steps', () => {
  it('metrics (but timing) and final weights equal an uninterrupted run exactly; no tensor leaks', async () => {
    const c = config();
    const N = c.rl.steps;
    const k = 2;
    const teacher = () => buildTeacher(c);

    // Uninterrupted.
    const a = student(c);
    const full = new RlTrainer({
      config: c,
      model: a.model,
      tokenizer: a.tok,
      trainItems: items,
      teacher: teacher(),
    });
    const expected: StepMetrics[] = [];
    for (let s = 0; s < N; s++) expected.push(withoutTiming((await full.runStep()).metrics));
    const expectedWeights = await a.model.toArrays();
    full.dispose();
    a.model.dispose();
    expect(expected.some((m) => m['thinktuning/guided_count']! > 0)).toBe(true);

    // Interrupted after k steps: everything goes through bytes, then fresh objects resume.
    const tensorsBefore = tf.memory().numTensors;
    const b = student(c);
    const first = new RlTrainer({
      config: c,
      model: b.model,
      tokenizer: b.tok,
      trainItems: items,
      teacher: teacher(),
    });
    const got: StepMetrics[] = [];
    for (let s = 0; s < k; s++) got.push(withoutTiming((await first.runStep()).metrics));
    const files = await checkpointFiles(b.model, b.tok, c, k);
    files[TRAINER_STATE_FILE] = await first.saveState();
    first.dispose();
    b.model.dispose();
    const copied = structuredClone(files); // nothing shared with the first trainer

    const point = resumePointFromFiles(copied);
    expect(point.state.step).toBe(k);
    const second = resumeTrainer({ config: c, trainItems: items, teacher: teacher() }, point);
    for (let s = k; s < N; s++) got.push(withoutTiming((await second.runStep()).metrics));
    const gotWeights = await point.model.toArrays();
    second.dispose();
    point.model.dispose();

    expect(got).toEqual(expected);
    for (const [name, w] of expectedWeights) expect(gotWeights.get(name)).toEqual(w);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 60_000);

  it('runTraining continues from a checkpoint to the same metrics as one whole run', async () => {
    let c = applyOverride(applyOverride(config(), 'sft.steps=0'), 'rl.checkpointEvery=2');
    c = applyOverride(c, 'rl.steps=3');
    const init = () => {
      const s = student(c);
      return { model: s.model, tokenizer: s.tok };
    };
    const run = async (resume?: Parameters<typeof runTraining>[0]['resume'], stopAt = Infinity) => {
      const rows: StepMetrics[] = [];
      const checkpoints: Awaited<ReturnType<typeof checkpointFiles>>[] = [];
      const inp = { config: c, trainItems: items, teacher: buildTeacher(c) };
      const start = resume ? { resume } : { student: { ...init(), warmedUp: true } };
      const out = await runTraining(
        { ...inp, ...start },
        {
          onStep: (r) => void rows.push(withoutTiming(r.metrics)),
          onCheckpoint: async (_, t) => void checkpoints.push(await trainerCheckpoint(t)),
          shouldStop: () => rows.length >= stopAt,
        },
      );
      out.model.dispose();
      return { rows, checkpoints };
    };
    const whole = await run();
    const part = await run(undefined, 2); // stops after its checkpoint at step 2
    expect(part.checkpoints.length).toBe(1);
    const rest = await run(resumePointFromFiles(part.checkpoints[0]));
    expect(rest.rows.map((r) => r.step)).toEqual([3]);
    expect([...part.rows, ...rest.rows]).toEqual(whole.rows);
  }, 60_000);
});

describe('trainer_state.safetensors', () => {
  it('round-trips every field and names what is wrong', () => {
    const s = {
      step: 7,
      rngState: 0xfedcba98,
      order: [3, 0, 2, 1],
      cursor: 2,
      optimizer: {
        t: 7,
        m: [Float32Array.from([1, -2]), Float32Array.from([0.5])],
        v: [Float32Array.from([3, 4]), Float32Array.from([0.25])],
      },
      reference: new Map([['wte', Float32Array.from([9, 8, 7])]]),
    };
    const bytes = encodeTrainerState(s, [[2], [1]]);
    expect(decodeTrainerState(bytes)).toEqual(s);
    const noRef = { ...s, reference: null };
    expect(decodeTrainerState(encodeTrainerState(noRef, [[2], [1]]))).toEqual(noRef);
    // It fits only the trainer it came from.
    const fits = { questions: 4, paramSizes: [2, 1], needsReference: true };
    expect(() => checkTrainerState(s, fits)).not.toThrow();
    expect(() => checkTrainerState(s, { ...fits, questions: 5 })).toThrow(
      "Trainer state: the data order covers 4 questions but this run has 5; resume with the run's own data settings (data.*).",
    );
    expect(() => checkTrainerState(s, { ...fits, paramSizes: [2, 3] })).toThrow(
      "optimizer moment 1 has 1 values but the model's tensor has 3",
    );
    expect(() => checkTrainerState(noRef, fits)).toThrow(
      /no KL reference weights but rl.klBeta > 0/,
    );
    // A model's weights file is not a trainer state.
    const other = encodeTrainerState(s, [[2], [1]]);
    const at = Buffer.from(other).indexOf('thinktuning-lab/trainer-state');
    other.fill('x'.charCodeAt(0), at, at + 11);
    expect(() => decodeTrainerState(other)).toThrow(
      /trainer_state.safetensors: metadata "format" is "xxxxxxxxxxx-lab\/trainer-state"/,
    );
  });
});
