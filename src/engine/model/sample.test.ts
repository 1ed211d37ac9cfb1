/** Sampling's performance contract: packing finished rows changes nothing, one read per step. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startWorkCounter } from '../backend/counters';
import type { ModelConfig } from './config';
import { sample } from './sample';
import { TransformerModel } from './transformer';

const cfg: ModelConfig = { vocab: 37, dModel: 16, layers: 2, heads: 2, context: 48, mlpRatio: 2 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 12 prompts of different lengths; EOS = 5 is sampled often enough that rows end at many steps. */
const prompts = Array.from({ length: 12 }, (_, i) =>
  Array.from({ length: 1 + (i % 4) }, (_, j) => 1 + ((i * 5 + j * 3) % 30)),
);
const opts = { maxNewTokens: 30, temperature: 1.5, topP: 1, seed: 21, eosId: 5, padId: 0 };

describe('sample', () => {
  it('packing finished rows out of the batch gives the tokens of the unpacked recompute path', async () => {
    const model = TransformerModel.create(cfg, 8);
    const cached = await sample(model, prompts, opts);
    const lengths = cached.tokens.map((t) => t.length);
    // rows ended at different steps (so the batch was packed) and some ran to the end
    expect(new Set(lengths.filter((_, b) => cached.finished[b])).size).toBeGreaterThan(2);
    expect(cached.finished.some((f) => !f)).toBe(true);
    const recompute = await sample(model, prompts, { ...opts, useCache: false });
    expect(recompute.tokens).toEqual(cached.tokens);
    expect(recompute.finished).toEqual(cached.finished);
    // the logits hook sees [B, V] every step: it turns packing off, and the tokens stay the same
    const watched = await sample(model, prompts, {
      ...opts,
      onLogits: (_s, l) => expect(l.shape).toEqual([prompts.length, cfg.vocab]),
    });
    expect(watched.tokens).toEqual(cached.tokens);
    model.dispose();
  });

  it('reads one tensor back per decoding step and leaves no tensors behind', async () => {
    const model = TransformerModel.create(cfg, 9);
    await sample(model, prompts, opts); // warm
    const before = tf.memory().numTensors;
    const counter = startWorkCounter();
    let r;
    try {
      r = await sample(model, prompts, opts);
    } finally {
      counter.restore();
    }
    expect(counter.counts().reads).toBe(r.steps);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('pipelined decoding (step s+1 queued before step s is read) gives the same tokens, one read a step', async () => {
    const model = TransformerModel.create(cfg, 8);
    const plain = await sample(model, prompts, { ...opts, pipelined: false });
    const before = tf.memory().numTensors;
    const counter = startWorkCounter();
    let ahead;
    const stepsSeen: number[] = [];
    try {
      ahead = await sample(model, prompts, {
        ...opts,
        pipelined: true,
        onStep: (s) => stepsSeen.push(s),
      });
    } finally {
      counter.restore();
    }
    // packing happened (rows ended at many steps) and moved one step later: same tokens
    expect(new Set(plain.tokens.map((t) => t.length)).size).toBeGreaterThan(2);
    expect(ahead.tokens).toEqual(plain.tokens);
    expect(ahead.finished).toEqual(plain.finished);
    expect(ahead.steps).toBe(plain.steps);
    expect(stepsSeen).toEqual(Array.from({ length: plain.steps }, (_, i) => i + 1));
    expect(counter.counts().reads).toBe(ahead.steps);
    expect(tf.memory().numTensors).toBe(before); // the unused last step's logits are freed
    // a stop asked between steps ends a pipelined rollout there too
    let calls = 0;
    const stopped = await sample(model, prompts, {
      ...opts,
      pipelined: true,
      shouldStop: () => ++calls === 3,
    });
    expect(stopped.steps).toBe(3);
    expect(stopped.tokens.map((t) => t.slice(0, 3))).toEqual(
      plain.tokens.map((t) => t.slice(0, 3)),
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('hostMs counts the picking and queuing of steps, not the waits between them', async () => {
    const model = TransformerModel.create(cfg, 7);
    let calls = 0;
    const t0 = performance.now();
    const r = await sample(model, prompts, {
      ...opts,
      shouldStop: () => new Promise<boolean>((done) => setTimeout(() => done(++calls === 4), 30)),
    });
    const wall = performance.now() - t0;
    expect(r.steps).toBe(4);
    expect(r.hostMs).toBeGreaterThan(0);
    // four waits of >= 30 ms (setTimeout may fire up to a few ms early) are not in it
    expect(r.hostMs).toBeLessThanOrEqual(wall - 4 * 25);
    model.dispose();
  });
});
