/** A run of the `cpu` preset starts RL at once from its shipped warm-up student (no SFT). */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { readShippedFile } from '../cli/shippedStudents';
import { applyOverride } from '../contract/config';
import { presetConfig } from '../contract/presets';
import { LabSession } from './labSession';
import type { WorkerCommand, WorkerEvent } from './protocol';

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

function session(readStudentFile = readShippedFile) {
  const events: WorkerEvent[] = [];
  const s = new LabSession({
    post: (e) => events.push(e),
    selectBackend: async () => ({ backend: 'wasm', adapter: null, reason: 'test' }),
    readStudentFile,
  });
  let id = 1;
  const send = (c: Record<string, unknown>) => s.handle({ ...c, id: id++ } as WorkerCommand);
  const until = async (pred: () => boolean) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > 120_000) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { events, send, until };
}

const cpu = (sets: string[]) => sets.reduce(applyOverride, presetConfig('cpu'));

describe('starting from a shipped student', () => {
  it('loads it, makes no warm-up step, and trains RL from the first step', async () => {
    const h = session();
    await h.send({ type: 'init', backend: 'wasm' });
    const ready = h.events.find((e) => e.type === 'ready');
    expect(ready && 'probeMs' in ready ? ready.probeMs : null).toBeGreaterThan(0);
    const config = cpu(['rl.steps=1', 'rl.evalEvery=0', 'rl.questionsPerStep=2']);
    await h.send({ type: 'start', config, extras: { prompt: null }, paused: false });
    await h.until(() =>
      h.events.some((e) => e.type === 'progress' && e.progress.status === 'done'),
    );
    expect(h.events.filter((e) => e.type === 'sft-metrics')).toEqual([]);
    const progress = h.events.filter((e) => e.type === 'progress');
    expect(progress.every((e) => e.type === 'progress' && e.progress.sftSteps === 0)).toBe(true);
    expect(h.events.filter((e) => e.type === 'metrics')).toHaveLength(1);
    const log = h.events.find((e) => e.type === 'log' && e.message.includes('shipped warm-up'));
    expect(log && 'message' in log ? log.message : '').toMatch(
      /Started from the shipped warm-up student "cpu" \(68\.8% held-out greedy accuracy\)/,
    );
    const model = h.events.filter((e) => e.type === 'model').at(-1);
    expect(model && 'model' in model ? model.model.parameters : 0).toBe(124_672);
  });

  it('a changed file fails the run with a message naming it', async () => {
    const h = session(async (path) => {
      const bytes = await readShippedFile(path);
      return path.endsWith('tokenizer.json') ? bytes.slice(1) : bytes;
    });
    await h.send({ type: 'init', backend: 'wasm' });
    await h.send({ type: 'start', config: cpu([]), extras: { prompt: null }, paused: false });
    await h.until(() => h.events.some((e) => e.type === 'error'));
    const err = h.events.find((e) => e.type === 'error');
    expect(err && 'message' in err ? err.message : '').toMatch(
      /students\/cpu\/tokenizer\.json is not the shipped file/,
    );
  });
});
