import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOverride, type RunConfig } from '../../contract/config';
import { TransformerModel } from '../model/transformer';
import { presetConfig } from '../../contract/presets';
import { teacherScheduleAt, teacherSelectionCount } from '../rl';
import { buildTokenizer, tokenizerCorpus } from '../student';
import { generateProblems } from '../tasks/generated';
import { HttpTeacher } from '../teacher';
import {
  startTestTeacherServer,
  type TestTeacherServer,
} from '../../../test/teacherServer/testServer';
import { trainTokenizer } from '../tokenizer';
import { buildGuidedResponse, offPolicyFlags } from './guided';
import { packRollouts } from './pack';
import { buildTeacher } from '../teacher/build';
import { RlTrainer } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const items = generateProblems({ seed: 3, count: 40, levels: [1], split: 'train' });

/** A small config: tiny model, 3 questions x 4 rollouts, short responses. */
function smallConfig(patch: string[] = []): RunConfig {
  let c = presetConfig('tiny');
  for (const s of [
    'model.dModel=32',
    'model.layers=1',
    'model.heads=2',
    'model.context=512',
    'rl.questionsPerStep=3',
    'rl.groupSize=4',
    'rl.maxNewTokens=12',
    'rl.miniBatches=2',
    'rl.algo="thinktuning"',
    ...patch,
  ])
    c = applyOverride(c, s);
  return c;
}

/** A fresh student whose EOS logit is raised, so rollouts finish (and can be guided). */
function eosLeaningStudent(c: RunConfig) {
  const tok = buildTokenizer(c, items);
  const model = TransformerModel.create({ ...c.model, vocab: tok.vocabSize }, c.seed);
  // logits = LN_f(x) @ wte^T; with ln_f bias u and wte[eos] += 2u, EOS gets ~2|u|^2 extra.
  const d = c.model.dModel;
  const u = Array.from({ length: d }, (_, i) => (i % 2 ? 0.25 : -0.25));
  model.params.lnfb.assign(tf.tensor1d(u));
  const w = model.params.wte.arraySync() as number[][];
  w[tok.eosId] = w[tok.eosId].map((x, i) => x + 2 * u[i]);
  model.params.wte.assign(tf.tensor2d(w));
  return { tok, model };
}

describe('guided trajectories', () => {
  it('off-policy masks line up exactly with the teacher tokens (char and BPE)', () => {
    const corpus = items.map((i) => i.prompt + ' ' + (i.steps ?? []).join(' ')).join('\n');
    for (const tok of [
      trainTokenizer('char', tokenizerCorpus(items, '')),
      trainTokenizer('bpe', corpus, { vocabSize: 400 }),
    ]) {
      const student = [...tok.encode('12 + 7 = 19. The answer is \\boxed{19}.'), tok.eosId];
      const g = {
        opinion: 'correct' as const,
        reason: 'Wait, I should check this.',
        phrase: "It's 19: \\boxed{19}.",
      };
      const guided = buildGuidedResponse(tok, student, g);
      expect(guided.ids.slice(0, guided.guidanceStart)).toEqual(student.slice(0, -1)); // EOS removed, ids kept
      expect(guided.ids[guided.ids.length - 1]).toBe(tok.eosId);
      expect(tok.decode(guided.ids.slice(guided.guidanceStart, -1))).toBe(
        '\n\n' + g.reason + '\n\n' + g.phrase,
      );
      expect(tok.decode(guided.ids.filter((_, i) => guided.parts[i] === 'reason'))).toBe(g.reason);
      expect(tok.decode(guided.ids.filter((_, i) => guided.parts[i] === 'phrase'))).toBe(g.phrase);
      const flags = offPolicyFlags(guided, 'guidance');
      expect(flags.filter(Boolean).length).toBe(guided.ids.length - guided.guidanceStart);
      expect(offPolicyFlags(guided, 'whole-response').every(Boolean)).toBe(true);
      // Packed: response token j is target targetStart + j, and the mask marks exactly the teacher's.
      const prompt = [tok.bosId, ...tok.encode('Q?')];
      const packed = packRollouts(
        [{ prompt, response: guided.ids, offPolicy: flags, advantage: 0.5 }],
        tok.padId,
      );
      const ids = packed.tokens.arraySync()[0];
      const off = packed.offPolicyMask.arraySync()[0];
      const resp = packed.responseMask.arraySync()[0];
      guided.ids.forEach((id, j) => {
        const t = packed.targetStart[0] + j;
        expect(ids[t + 1]).toBe(id);
        expect(resp[t]).toBe(1);
        expect(off[t]).toBe(flags[j] ? 1 : 0);
      });
      expect(off.reduce((a, b) => a + b, 0)).toBe(flags.filter(Boolean).length);
      tf.dispose([packed.tokens, packed.offPolicyMask, packed.responseMask]);
    }
  });
});

describe('ThinkTuning loop', () => {
  it('a seeded run has finite losses, flat tensors, a guided share that follows the schedule, and repeats exactly', async () => {
    const patch = [
      'thinktuning.schedule="linear"',
      'thinktuning.initialRate=0.5',
      'thinktuning.minRate=0',
      'thinktuning.scheduleSteps=3',
      'thinktuning.offThreshold=0.2',
    ];
    const run = async () => {
      const c = smallConfig(patch);
      const { tok, model } = eosLeaningStudent(c);
      const trainer = new RlTrainer({
        config: c,
        model,
        tokenizer: tok,
        trainItems: items,
        teacher: buildTeacher(c),
      });
      const out: Array<Record<string, number>> = [];
      const tensors: number[] = [];
      for (let s = 0; s < 4; s++) {
        const r = await trainer.runStep();
        tensors.push(tf.memory().numTensors);
        const schedule = teacherScheduleAt(s, {
          name: 'linear',
          initialRate: 0.5,
          minRate: 0,
          decaySteps: 3,
          offBelow: 0.2,
        });
        // Expected guided count: k = max(1, floor(eligible * rate)) per question (0 when off).
        const expected = [0, 1, 2].reduce((sum, g) => {
          const eligible = r.trajectories.filter(
            (t) => t.group === g && (t.guided || t.finished),
          ).length;
          return sum + teacherSelectionCount(eligible, schedule.rate, schedule.active);
        }, 0);
        expect(r.metrics['thinktuning/guided_count']).toBe(expected);
        expect(Number.isFinite(r.metrics.loss)).toBe(true);
        expect(Number.isFinite(r.metrics.grad_norm)).toBe(true);
        for (const t of r.trajectories.filter((x) => x.guided)) {
          expect(t.tokens.filter((k) => k.offPolicy).length).toBeGreaterThan(0);
          expect(t.tokens.every((k) => k.advantage === t.advantage)).toBe(true);
        }
        const { step_time: _a, ...rest } = r.metrics;
        out.push(
          Object.fromEntries(
            Object.entries(rest).filter(
              ([k]) => !k.startsWith('timing/') && !k.startsWith('throughput/'),
            ),
          ) as Record<string, number>,
        );
      }
      trainer.dispose();
      model.dispose();
      return { out, tensors };
    };
    const a = await run();
    expect(a.out[0]['thinktuning/guided_count']).toBeGreaterThan(0); // rate 0.5: on
    expect(a.out[3]['thinktuning/guided_count']).toBe(0); // rate 0 < 0.2: teacher off
    expect(new Set(a.tensors.slice(1)).size).toBe(1); // tf.memory flat across steps
    const b = await run();
    expect(b.out).toEqual(a.out);
  });
});

describe('HTTP teacher inside training', () => {
  let server: TestTeacherServer;
  beforeAll(async () => {
    server = await startTestTeacherServer({ mode: 'ok' });
  });
  afterAll(async () => {
    await server.close();
  });

  /** A trainer with the teacher surely on (constant rate 0.3) and the HTTP teacher on the test server. */
  const httpTrainer = (timeoutMs: number, concurrency: number) => {
    const c = smallConfig([
      'thinktuning.schedule="constant"',
      'thinktuning.initialRate=0.3',
      'thinktuning.minRate=0.3',
    ]);
    const { tok, model } = eosLeaningStudent(c);
    const teacher = new HttpTeacher({
      baseURL: server.url,
      model: 'test',
      timeoutMs,
      retries: 0,
      concurrency,
    });
    const trainer = new RlTrainer({ config: c, model, tokenizer: tok, trainItems: items, teacher });
    return { model, trainer };
  };

  const modes = [
    ['ok', null],
    ['malformed', 'format'],
    ['error500', 'server_error'],
    ['rateLimited', 'rate_limited'],
    ['hang', 'timeout'],
  ] as const;
  for (const [mode, failure] of modes) {
    it(`keeps training when the teacher answers "${mode}"`, async () => {
      server.setMode(mode);
      const { model, trainer } = httpTrainer(300, 2);
      const r = await trainer.runStep();
      expect(Number.isFinite(r.metrics.loss)).toBe(true);
      if (failure === null) {
        expect(r.metrics['thinktuning/guided_count']).toBeGreaterThan(0);
      } else {
        expect(r.metrics['thinktuning/guided_count']).toBe(0);
        expect(r.teacherFailures[failure]).toBeGreaterThan(0);
        expect(r.metrics[`thinktuning/teacher_failures/${failure}`]).toBe(
          r.teacherFailures[failure],
        );
      }
      trainer.dispose();
      model.dispose();
    });
  }

  it('a cancelled step counts cancelled teacher calls and still finishes', async () => {
    server.setMode('hang');
    const { model, trainer } = httpTrainer(30_000, 4);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 300);
    const r = await trainer.runStep({ signal: ctl.signal });
    expect(r.teacherFailures.cancelled).toBeGreaterThan(0);
    expect(Number.isFinite(r.metrics.loss)).toBe(true);
    trainer.dispose();
    model.dispose();
  });
});
