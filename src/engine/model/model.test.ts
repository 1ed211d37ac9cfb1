import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapKV } from './causalLM';
import type { ModelConfig } from './config';
import { tokenLogpInChunks, tokenScores } from './logprobs';
import { sample } from './sample';
import { TransformerModel } from './transformer';

const cfg: ModelConfig = { vocab: 37, dModel: 32, layers: 2, heads: 4, context: 64, mlpRatio: 4 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function lastLogits(model: TransformerModel, seq: number[], vocab = cfg.vocab): Float32Array {
  return tf.tidy(() => {
    const { logits } = model.forward(tf.tensor2d([seq], [1, seq.length], 'int32'), {
      embed: 'gather',
    });
    return logits.slice([0, seq.length - 1, 0], [1, 1, vocab]).dataSync() as Float32Array;
  });
}

describe('transformer', () => {
  it.each(['learned', 'rope'] as const)(
    'KV-cached decoding gives the logits of a full forward pass at several lengths (%s positions)',
    async (positions) => {
      const model = TransformerModel.create({ ...cfg, positions }, 1);
      const prompts = [
        [1, 5, 9, 12, 3],
        [1, 7, 7, 7, 20, 21, 22, 30, 4],
        [1, 2, 3],
      ];
      const captured: Array<number[][]> = [];
      const res = await sample(model, prompts, {
        maxNewTokens: 24,
        temperature: 1,
        topP: 1,
        seed: 7,
        eosId: 999, // never emitted: every row runs the full length
        padId: 0,
        onLogits: (_s, l) => captured.push(l.arraySync()),
      });
      expect(res.steps).toBe(24);
      let worst = 0;
      for (const step of [0, 1, 5, 12, 23]) {
        for (let b = 0; b < prompts.length; b++) {
          const seq = [...prompts[b], ...res.tokens[b].slice(0, step)];
          const full = lastLogits(model, seq);
          const cached = captured[step][b];
          for (let v = 0; v < cfg.vocab; v++)
            worst = Math.max(worst, Math.abs(full[v] - cached[v]));
        }
      }
      expect(worst).toBeLessThan(1e-4);
      model.dispose();
    },
  );

  it('a preallocated cache (LayerKV.length; interleaved, as the fused WebGPU step leaves it) decodes as the plain one', () => {
    const model = TransformerModel.create({ ...cfg, positions: 'rope' }, 2);
    const [plain, padded, interleaved] = tf.tidy(() => {
      const prompt = tf.tensor2d([[1, 5, 9, 12, 3]], [1, 5], 'int32');
      const next = tf.tensor2d([[7]], [1, 1], 'int32');
      const past = model.forward(prompt).present;
      // capacity 16: zeros past the 5 filled positions, which must not be attended to
      const grow = (t: tf.Tensor4D) =>
        t.pad([
          [0, 0],
          [0, 0],
          [0, 11],
          [0, 0],
        ]) as tf.Tensor4D;
      const big = past.map((kv) => ({ k: grow(kv.k), v: grow(kv.v), length: 5 }));
      const a = model.forward(next, { past });
      const b = model.forward(next, { past: big });
      expect(b.present[0].k.shape[2]).toBe(6);
      // the fused WebGPU step's layout: one tensor, keys then values in the last axis
      const one = past.map((kv) => {
        const t = grow(tf.concat([kv.k, kv.v], 3));
        return { k: t, v: t, length: 5, interleaved: true };
      });
      let calls = 0;
      const kept = one.map((kv) => mapKV(kv, (t) => (calls++, t)));
      expect(calls).toBe(one.length); // once per layer, not once per k and v
      expect(kept[0].k).toBe(kept[0].v);
      const c = model.forward(next, { past: kept });
      return [a.logits.dataSync(), b.logits.dataSync(), c.logits.dataSync()];
    });
    expect(Array.from(padded)).toEqual(Array.from(plain));
    expect(Array.from(interleaved)).toEqual(Array.from(plain));
    model.dispose();
  });

  it('rope positions: a shifted prefix changes the logits only through relative offsets', () => {
    const model = TransformerModel.create({ ...cfg, positions: 'rope' }, 4);
    expect(() =>
      TransformerModel.create({ ...cfg, dModel: 12, heads: 4, positions: 'rope' }, 1),
    ).toThrow(/even head size/);
    const learned = TransformerModel.create(cfg, 4);
    expect(model.variables().length).toBe(learned.variables().length - 1); // no wpe
    learned.dispose();
    // logits of seq at positions p..p+T-1 equal those at 0..T-1: attention sees i - j only
    const seq = [1, 5, 9, 12, 3, 8];
    const at = (start: number) =>
      tf.tidy(() => {
        const tokens = tf.tensor2d([seq], [1, seq.length], 'int32');
        const positions = tf.tensor2d([seq.map((_, i) => start + i)], [1, seq.length], 'int32');
        return model.forward(tokens, { embed: 'gather', positions }).logits.dataSync();
      });
    const a = at(0);
    const before = tf.memory().numTensors;
    const b = at(17);
    expect(tf.memory().numTensors).toBe(before); // the cos/sin tables are freed
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(1e-4);
    model.dispose();
  });

  it('recompute mode (no cache) picks the same tokens as the cached mode', async () => {
    const model = TransformerModel.create(cfg, 2);
    const prompts = [
      [1, 4, 5],
      [1, 6, 7, 8, 9, 10],
    ];
    const o = { maxNewTokens: 16, temperature: 0.9, topP: 0.95, seed: 3, eosId: 2, padId: 0 };
    const a = await sample(model, prompts, o);
    const b = await sample(model, prompts, { ...o, useCache: false });
    expect(b.tokens).toEqual(a.tokens);
    model.dispose();
  });

  it('seeded sampling is reproducible; another seed differs', async () => {
    const model = TransformerModel.create(cfg, 3);
    const prompts = Array.from({ length: 8 }, (_, i) => [1, 3 + i]);
    const o = { maxNewTokens: 20, temperature: 1, topP: 1, seed: 11, eosId: 2, padId: 0 };
    const a = await sample(model, prompts, o);
    const b = await sample(model, prompts, o);
    const c = await sample(model, prompts, { ...o, seed: 12 });
    expect(b.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
    model.dispose();
  });

  it('stops rows at EOS and greedy equals top-p with a tiny nucleus', async () => {
    const model = TransformerModel.create(cfg, 4);
    const prompts = [
      [1, 5],
      [1, 9, 9],
    ];
    const greedy = await sample(model, prompts, {
      maxNewTokens: 10,
      temperature: 0,
      topP: 1,
      seed: 0,
      eosId: 36,
      padId: 0,
    });
    const nucleus = await sample(model, prompts, {
      maxNewTokens: 10,
      temperature: 1,
      topP: 1e-6,
      seed: 5,
      eosId: 36,
      padId: 0,
    });
    expect(nucleus.tokens).toEqual(greedy.tokens);
    // Make EOS the greedy choice: use the first greedy token as EOS; every row then stops after one token.
    const eos = greedy.tokens[0][0];
    const stopped = await sample(model, [prompts[0]], {
      maxNewTokens: 10,
      temperature: 0,
      topP: 1,
      seed: 0,
      eosId: eos,
      padId: 0,
    });
    expect(stopped.tokens[0]).toEqual([eos]);
    expect(stopped.finished[0]).toBe(true);
    model.dispose();
  });

  it('tf.memory().numTensors is unchanged after 20 sampling calls', async () => {
    const model = TransformerModel.create(cfg, 5);
    const prompts = [
      [1, 2, 3],
      [1, 4],
    ];
    const o = { maxNewTokens: 8, temperature: 1, topP: 0.9, seed: 1, eosId: 2, padId: 0 };
    await sample(model, prompts, o);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++)
      await sample(model, prompts, { ...o, seed: i, useCache: i % 2 === 0 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it.each(['learned', 'rope'] as const)(
    'gradient of summed log-probs matches central finite differences (%s positions)',
    (positions) => {
      const tiny: ModelConfig = {
        vocab: 11,
        dModel: 8,
        layers: 1,
        heads: 2,
        context: 8,
        mlpRatio: 2,
        positions,
      };
      const model = TransformerModel.create(tiny, 9);
      // Scale up the weights so the function is not nearly flat.
      for (const v of model.variables()) v.assign(v.mul(4));
      const seq = tf.tensor2d([[1, 4, 7, 3, 9, 2]], [1, 6], 'int32');
      const f = () => tf.tidy(() => tokenScores(model, seq).logp.sum() as tf.Scalar);
      const { grads } = tf.variableGrads(f, model.variables());
      const eps = 5e-3;
      let num = 0;
      let den = 0;
      for (const v of model.variables()) {
        const g = grads[v.name].dataSync();
        const data = v.dataSync().slice();
        const idxs = [
          0,
          Math.floor(data.length / 3),
          Math.floor((2 * data.length) / 3),
          data.length - 1,
        ];
        for (const i of idxs) {
          const orig = data[i];
          data[i] = orig + eps;
          v.assign(tf.tensor(data, v.shape));
          const up = f().dataSync()[0];
          data[i] = orig - eps;
          v.assign(tf.tensor(data, v.shape));
          const down = f().dataSync()[0];
          data[i] = orig;
          v.assign(tf.tensor(data, v.shape));
          const fd = (up - down) / (2 * eps);
          num += (fd - g[i]) ** 2;
          den += fd ** 2 + g[i] ** 2;
        }
      }
      const rel = Math.sqrt(num / den);
      console.log('gradient check relative error', rel);
      expect(rel).toBeLessThan(1e-2);
      Object.values(grads).forEach((g) => g.dispose());
      seq.dispose();
      model.dispose();
    },
  );

  it('entropy is -sum p log p and log-probs are normalised', () => {
    const model = TransformerModel.create(cfg, 6);
    const seq = tf.tensor2d([[1, 5, 6, 7]], [1, 4], 'int32');
    const { logp, entropy } = tokenScores(model, seq);
    const lp = logp.arraySync()[0];
    const ent = entropy.arraySync()[0];
    const full = tf.tidy(() => tf.logSoftmax(model.forward(seq).logits).arraySync()[0]);
    for (let t = 0; t < 3; t++) {
      const row = full[t];
      expect(lp[t]).toBeCloseTo(row[[5, 6, 7][t]], 5);
      const h = -row.reduce((a, l) => a + Math.exp(l) * l, 0);
      expect(ent[t]).toBeCloseTo(h, 4);
    }
    tf.dispose([seq, logp, entropy]);
    model.dispose();
  });
});

describe('tokenLogpInChunks', () => {
  it('scores rows in chunks exactly as in one pass, for every chunk size, with no leaks', () => {
    const model = TransformerModel.create(cfg, 8);
    const seq = tf.tensor2d(
      [
        [1, 5, 6, 7, 2],
        [1, 9, 3, 3, 4],
        [1, 2, 8, 0, 0],
        [1, 4, 4, 4, 4],
        [1, 30, 31, 32, 33],
      ],
      [5, 5],
      'int32',
    );
    const whole = tf.tidy(() => tokenScores(model, seq).logp.arraySync());
    const before = tf.memory().numTensors;
    for (const rows of [1, 2, 3, 5, 9, 0]) {
      const t = tokenLogpInChunks(model, seq, rows);
      expect(t.shape).toEqual([5, 4]);
      const got = t.arraySync();
      t.dispose();
      got.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(whole[i][j], 5)));
    }
    expect(tf.memory().numTensors).toBe(before);
    seq.dispose();
    model.dispose();
  });
});

describe('model lifecycle', () => {
  it('creating and disposing a model leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const m = TransformerModel.create(cfg, 8);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
