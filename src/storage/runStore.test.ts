import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { Trajectory } from '../contract/loopRecords';
import type { StepMetrics } from '../contract/metrics';
import { presetConfig } from '../contract/presets';
import { IdbBlobStore, sha256Hex, type BlobStore } from './blobStore';
import { openDatabase } from './idb';
import {
  CheckpointCorruptError,
  RunStore,
  type CheckpointWritePoint,
  type RunStoreOptions,
} from './runStore';

const enc = new TextEncoder();
const config = presetConfig('tiny');

/** A store on a fresh in-memory IndexedDB; `blobs` wraps the default blob store if given. */
async function freshStore(
  opts: Partial<RunStoreOptions> & { wrapBlobs?: (inner: BlobStore) => BlobStore } = {},
) {
  const indexedDB = new IDBFactory();
  const inner = new IdbBlobStore(await openDatabase(indexedDB));
  const blobs = opts.wrapBlobs ? opts.wrapBlobs(inner) : inner;
  const store = await RunStore.open({ indexedDB, blobs, ...opts });
  return { store, inner };
}

/** Checkpoint files whose model bytes depend on the step; the tokenizer never changes. */
function files(step: number): Record<string, Uint8Array> {
  return {
    'model.safetensors': Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + step) % 256),
    'tokenizer.json': enc.encode('{"model": {"type": "BPE"}}'),
    'trainer_state.safetensors': Uint8Array.from({ length: 512 }, (_, i) => (i + 3 * step) % 256),
  };
}

const row = (step: number): StepMetrics => ({ step, reward: step / 10, kl: Number.NaN });

describe('RunStore: records and rows', () => {
  it('creates, lists newest first, renames, marks interrupted, deletes', async () => {
    const { store } = await freshStore();
    const a = await store.createRun({ name: 'first', config, createdAt: 1000 });
    const b = await store.createRun({ name: 'second', config, createdAt: 2000 });
    expect((await store.listRuns()).map((r) => r.name)).toEqual(['second', 'first']);
    expect(a.totalSteps).toBe(config.rl.steps);
    expect((await store.renameRun(a.id, '  renamed ')).name).toBe('renamed');
    await expect(store.renameRun(a.id, '   ')).rejects.toThrow('A run name cannot be empty.');
    await store.updateRun(b.id, { status: 'finished' });
    const changed = await store.markInterrupted((id) => id === 'some other tab');
    expect(changed.map((r) => r.id)).toEqual([a.id]);
    expect((await store.getRun(a.id))!.status).toBe('interrupted');
    expect((await store.getRun(b.id))!.status).toBe('finished');
    await store.appendMetrics(a.id, [row(1)]);
    await store.deleteRun(a.id);
    expect(await store.getRun(a.id)).toBeNull();
    expect(await store.loadMetrics(a.id)).toEqual([]);
    await expect(store.deleteRun(a.id)).rejects.toThrow(/No saved run with id/);
  });

  it('metrics rows come back in step order with NaN kept; truncateAfter forgets later steps', async () => {
    const { store } = await freshStore();
    const run = await store.createRun({ name: 'm', config });
    await store.appendMetrics(run.id, [row(2), row(1)]);
    await store.appendMetrics(run.id, [row(3)]);
    await store.appendSftMetrics(run.id, [
      { step: 1, loss: 2, lr: 0.1, grad_norm: 1, tokens: 9, step_time: 0.1, skipped: false },
    ]);
    expect(await store.loadMetrics(run.id)).toEqual([row(1), row(2), row(3)]);
    expect((await store.getRun(run.id))!.step).toBe(3);
    expect((await store.getRun(run.id))!.sftStep).toBe(1);
    await store.truncateAfter(run.id, 1);
    expect(await store.loadMetrics(run.id)).toEqual([row(1)]);
    expect((await store.getRun(run.id))!.step).toBe(1);
    await store.resetProgress(run.id);
    expect(await store.loadMetrics(run.id)).toEqual([]);
    expect(await store.loadSftMetrics(run.id)).toEqual([]);
  });

  it('keeps trajectories within the budget, oldest steps dropped first and counted', async () => {
    const traj = (step: number): Trajectory[] => [
      { step, response: 'x'.repeat(300) } as unknown as Trajectory,
    ];
    const one = enc.encode(JSON.stringify(traj(1))).length;
    const { store } = await freshStore({ trajectoryBudgetBytes: 3 * one + 10 });
    const run = await store.createRun({ name: 't', config });
    for (let s = 1; s <= 5; s++) await store.putTrajectories(run.id, s, traj(s));
    const kept = await store.loadTrajectories(run.id);
    expect(kept.map((k) => k.step)).toEqual([3, 4, 5]);
    expect(kept[0].trajectories).toEqual(traj(3));
    expect((await store.getRun(run.id))!.trajectories).toEqual({
      steps: 3,
      bytes: 3 * one,
      budgetBytes: 3 * one + 10,
      dropped: 2,
    });
    await store.truncateAfter(run.id, 4);
    expect((await store.loadTrajectories(run.id)).map((k) => k.step)).toEqual([3, 4]);
    expect((await store.getRun(run.id))!.trajectories.bytes).toBe(2 * one);
  });

  it('stores configs without secrets', async () => {
    const { store } = await freshStore();
    const c = structuredClone(config);
    c.teacher.baseURL = 'https://user:hunter2@api.example.com/v1?api_key=abc123&x=1';
    c.data.promptSuffix = ' sk-abcdefghijklmnopqrstuvwx';
    const run = await store.createRun({ name: 's', config: c });
    const saved = (await store.getRun(run.id))!.config;
    expect(saved.teacher.baseURL).toBe('https://api.example.com/v1?api_key=%5Bredacted%5D&x=1');
    expect(saved.data.promptSuffix).toBe(' [redacted]');
    expect(JSON.stringify(await store.listRuns())).not.toMatch(/hunter2|abc123|sk-abc/);
  });
});

describe('RunStore: checkpoints', () => {
  it('writes, verifies and loads a checkpoint; old blobs are collected, shared ones kept', async () => {
    const { store, inner } = await freshStore();
    const run = await store.createRun({ name: 'c', config });
    await store.writeCheckpoint(run.id, 2, files(2), { status: 'paused' });
    const p4 = await store.writeCheckpoint(run.id, 4, files(4));
    const got = await store.loadCheckpoint(run.id);
    expect(got.pointer).toEqual(p4);
    expect(got.files).toEqual(files(4));
    expect((await store.getRun(run.id))!.status).toBe('paused');
    // step 2's model and trainer state are gone; the unchanged tokenizer is shared and stays.
    const live = await Promise.all(Object.values(files(4)).map((d) => sha256Hex(d)));
    expect((await inner.list()).sort()).toEqual(live.sort());
  });

  for (const point of ['blobs-written', 'blobs-verified'] as CheckpointWritePoint[]) {
    it(`a crash at "${point}" keeps the previous checkpoint loadable`, async () => {
      let crashAt: CheckpointWritePoint | null = null;
      const { store } = await freshStore({
        faults: (p) => {
          if (p === crashAt) throw new Error(`simulated crash at ${p}`);
        },
      });
      const run = await store.createRun({ name: 'c', config });
      await store.writeCheckpoint(run.id, 2, files(2));
      crashAt = point;
      await expect(store.writeCheckpoint(run.id, 4, files(4))).rejects.toThrow(/simulated crash/);
      const got = await store.loadCheckpoint(run.id);
      expect(got.pointer.step).toBe(2);
      expect(got.files).toEqual(files(2));
      expect(await store.collectGarbage()).toBe(2); // step 4's orphaned model + trainer state
      expect((await store.loadCheckpoint(run.id)).files).toEqual(files(2));
    });
  }

  it('a crash after the flip leaves the new checkpoint complete', async () => {
    let crash = false;
    const { store } = await freshStore({
      faults: (p) => {
        if (crash && p === 'pointer-flipped') throw new Error('simulated crash');
      },
    });
    const run = await store.createRun({ name: 'c', config });
    await store.writeCheckpoint(run.id, 2, files(2));
    crash = true;
    await expect(store.writeCheckpoint(run.id, 4, files(4))).rejects.toThrow('simulated crash');
    expect((await store.loadCheckpoint(run.id)).files).toEqual(files(4));
    expect(await store.collectGarbage()).toBe(2); // step 2's leftovers
  });

  it('a write torn mid-file (half the bytes, then a crash) keeps the previous checkpoint', async () => {
    let tear = false;
    const { store } = await freshStore({
      wrapBlobs: (inner) => ({
        kind: inner.kind,
        get: (h) => inner.get(h),
        delete: (h) => inner.delete(h),
        list: () => inner.list(),
        put: async (h, data) => {
          if (!tear) return inner.put(h, data);
          await inner.put(h, data.slice(0, data.length >> 1));
          throw new Error('tab closed mid-write');
        },
      }),
    });
    const run = await store.createRun({ name: 'c', config });
    await store.writeCheckpoint(run.id, 2, files(2));
    tear = true;
    await expect(store.writeCheckpoint(run.id, 4, files(4))).rejects.toThrow('tab closed');
    expect((await store.loadCheckpoint(run.id)).files).toEqual(files(2));
    tear = false; // the next write replaces the torn blob and succeeds
    await store.writeCheckpoint(run.id, 4, files(4));
    expect((await store.loadCheckpoint(run.id)).files).toEqual(files(4));
  });

  it('a write that does not read back intact is refused before the flip', async () => {
    let corruptWrites = false;
    const { store } = await freshStore({
      wrapBlobs: (inner) => ({
        kind: inner.kind,
        get: (h) => inner.get(h),
        delete: (h) => inner.delete(h),
        list: () => inner.list(),
        put: (h, data) => {
          const d = data.slice();
          if (corruptWrites) d[0] ^= 1;
          return inner.put(h, d);
        },
      }),
    });
    const run = await store.createRun({ name: 'c', config });
    await store.writeCheckpoint(run.id, 2, files(2));
    corruptWrites = true;
    await expect(store.writeCheckpoint(run.id, 4, files(4))).rejects.toThrow(
      /Checkpoint at step 4: model.safetensors did not read back intact from IndexedDB; the previous checkpoint is kept/,
    );
    expect((await store.loadCheckpoint(run.id)).pointer.step).toBe(2);
  });

  it('a corrupted or missing blob is reported on load, naming the file', async () => {
    const { store, inner } = await freshStore();
    const run = await store.createRun({ name: 'my run', config });
    const p = await store.writeCheckpoint(run.id, 6, files(6));
    const hash = p.files['model.safetensors'].sha256;
    const bytes = (await inner.get(hash))!;
    bytes[100] ^= 0x01; // one flipped bit
    await inner.put(hash, bytes);
    const err = await store.loadCheckpoint(run.id).catch((e: Error) => e);
    expect(err).toBeInstanceOf(CheckpointCorruptError);
    expect((err as CheckpointCorruptError).file).toBe('model.safetensors');
    expect((err as Error).message).toMatch(
      /^Checkpoint of run "my run" at step 6 is corrupt: model.safetensors has SHA-256 [0-9a-f]{12}… \(4096 bytes\) but was saved as [0-9a-f]{12}… \(4096 bytes\)\. The run cannot continue from it/,
    );
    await inner.delete(p.files['trainer_state.safetensors'].sha256);
    await inner.put(hash, files(6)['model.safetensors']); // repaired; the other is now missing
    await expect(store.loadCheckpoint(run.id)).rejects.toThrow(
      /step 6 is incomplete: trainer_state.safetensors is missing from IndexedDB storage/,
    );
  });

  it('deleting a run keeps blobs another run still uses', async () => {
    const { store, inner } = await freshStore();
    const a = await store.createRun({ name: 'a', config });
    const b = await store.createRun({ name: 'b', config });
    await store.writeCheckpoint(a.id, 2, files(2));
    await store.writeCheckpoint(b.id, 2, files(2)); // same content: same blobs
    await store.deleteRun(a.id);
    expect((await store.loadCheckpoint(b.id)).files).toEqual(files(2));
    await store.deleteRun(b.id);
    expect(await inner.list()).toEqual([]);
    await expect(store.loadCheckpoint(b.id)).rejects.toThrow(/No saved run/);
  });
});
