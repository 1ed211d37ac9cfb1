/**
 * Runs that survive a reload: records, metrics, trajectories and checkpoints in the browser.
 *
 * A checkpoint is written atomically: (1) its files go to the blob store under their SHA-256,
 * (2) each is read back and its hash checked, (3) one IndexedDB transaction flips the run's
 * checkpoint pointer, (4) blobs no checkpoint references any more are deleted. A crash before
 * (3) leaves the previous pointer and its blobs untouched; after (3) the new one is complete.
 * Loading checks every file's SHA-256 and names the file that does not match.
 *
 * The worker is the only writer; the page may read (listRuns, loadMetrics) at any time.
 */
import type { RunConfig } from '../contract/config';
import type { Trajectory } from '../contract/loopRecords';
import type { StepMetrics } from '../contract/metrics';
import type { SftStepMetrics } from '../contract/sftMetrics';
import { IdbBlobStore, OpfsBlobStore, type BlobStore } from './blobStore';
import { loadVerified, pointerHashes, storeVerified } from './checkpointBlobs';
import { eachOfRun, openDatabase, request, transaction, type StoreName } from './idb';
import { redactConfig } from './redact';
import type {
  CheckpointPointer,
  RunPatch,
  RunRecord,
  RunRecordStatus,
  TrajectoryUsage,
} from '../contract/runRecord';

export { estimateStorage } from './quota';
export { CheckpointCorruptError } from './checkpointBlobs';

/** Points inside a checkpoint write where a test can simulate a crash (by throwing). */
export type CheckpointWritePoint = 'blobs-written' | 'blobs-verified' | 'pointer-flipped';

export interface RunStoreOptions {
  indexedDB: IDBFactory;
  /** Where checkpoint files go (default: the database's own `blobs` store). */
  blobs?: BlobStore;
  dbName?: string;
  /** Trajectory budget per run (default 32 MiB). */
  trajectoryBudgetBytes?: number;
  /** Test hook: called at each point of a checkpoint write. */
  faults?: (point: CheckpointWritePoint) => void;
}

export const DEFAULT_TRAJECTORY_BUDGET = 32 * 1024 * 1024;

type Row<T> = { runId: string; step: number } & T;

export class RunStore {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly budget: number;

  private constructor(
    private readonly db: IDBDatabase,
    readonly blobs: BlobStore,
    private readonly opts: RunStoreOptions,
  ) {
    this.budget = opts.trajectoryBudgetBytes ?? DEFAULT_TRAJECTORY_BUDGET;
  }

  static async open(opts: RunStoreOptions): Promise<RunStore> {
    const db = await openDatabase(opts.indexedDB, opts.dbName);
    return new RunStore(db, opts.blobs ?? new IdbBlobStore(db), opts);
  }

  /** Operations that touch blobs run one at a time (a GC never races a checkpoint write). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  // ---- run records ---------------------------------------------------------------------------

  async createRun(init: {
    name: string;
    config: RunConfig;
    backend?: string | null;
    origin?: string;
    status?: RunRecordStatus;
    createdAt?: number;
  }): Promise<RunRecord> {
    const now = Date.now();
    const run: RunRecord = {
      id: crypto.randomUUID(),
      name: checkName(init.name),
      createdAt: init.createdAt ?? now,
      updatedAt: now,
      config: redactConfig(init.config),
      status: init.status ?? 'running',
      step: 0,
      totalSteps: init.config.rl.steps,
      sftStep: 0,
      checkpoint: null,
      trajectories: { steps: 0, bytes: 0, budgetBytes: this.budget, dropped: 0 },
      backend: init.backend ?? null,
      origin: init.origin ?? 'lab',
    };
    await transaction(this.db, ['runs'], 'readwrite', (tx) => tx.objectStore('runs').add(run));
    return run;
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const tx = this.db.transaction(['runs'], 'readonly');
    return (await request<RunRecord | undefined>(tx.objectStore('runs').get(id))) ?? null;
  }

  /** Every run, newest first. */
  async listRuns(): Promise<RunRecord[]> {
    const tx = this.db.transaction(['runs'], 'readonly');
    const runs = await request<RunRecord[]>(tx.objectStore('runs').getAll());
    return runs.sort((a, b) => b.createdAt - a.createdAt);
  }

  async updateRun(id: string, patch: RunPatch): Promise<RunRecord> {
    const out: { run?: RunRecord } = {};
    await this.modifyRun(id, ['runs'], (run) => {
      Object.assign(run, patch, patch.config ? { config: redactConfig(patch.config) } : {});
      out.run = run;
    });
    return out.run!;
  }

  async renameRun(id: string, name: string): Promise<RunRecord> {
    return this.updateRun(id, { name: checkName(name) });
  }

  /** Deletes the run's record, rows and (unless shared) its checkpoint files. */
  async deleteRun(id: string): Promise<void> {
    const run = await this.requireRun(id);
    await transaction(
      this.db,
      ['runs', 'metrics', 'sftMetrics', 'trajectories'],
      'readwrite',
      (tx) => {
        tx.objectStore('runs').delete(id);
        for (const s of ['metrics', 'sftMetrics', 'trajectories'] as const)
          eachOfRun(tx.objectStore(s), id, (_, c) => c.delete());
      },
    );
    if (run.checkpoint) await this.serial(() => this.release(pointerHashes(run.checkpoint)));
  }

  /**
   * Marks runs left 'running' by a closed or crashed page as 'interrupted' (their worker is
   * gone). `isLive` spares runs another tab still trains. Returns the runs it changed.
   */
  async markInterrupted(isLive: (id: string) => boolean = () => false): Promise<RunRecord[]> {
    const changed: RunRecord[] = [];
    await transaction(this.db, ['runs'], 'readwrite', (tx) => {
      const req = tx.objectStore('runs').openCursor();
      req.onsuccess = () => {
        const c = req.result;
        if (!c) return;
        const run = c.value as RunRecord;
        if (run.status === 'running' && !isLive(run.id)) {
          run.status = 'interrupted';
          run.updatedAt = Date.now();
          c.update(run);
          changed.push(run);
        }
        c.continue();
      };
    });
    return changed;
  }

  // ---- metrics -------------------------------------------------------------------------------

  /** Appends RL metrics rows (keyed by their `step`) and advances the run's step. */
  async appendMetrics(id: string, rows: StepMetrics[]): Promise<void> {
    if (rows.length === 0) return;
    await this.modifyRun(id, ['runs', 'metrics'], (run, tx) => {
      for (const m of rows) tx.objectStore('metrics').put({ runId: id, step: m.step, metrics: m });
      run.step = Math.max(run.step, ...rows.map((m) => m.step));
    });
  }

  async appendSftMetrics(id: string, rows: SftStepMetrics[]): Promise<void> {
    if (rows.length === 0) return;
    await this.modifyRun(id, ['runs', 'sftMetrics'], (run, tx) => {
      for (const m of rows)
        tx.objectStore('sftMetrics').put({ runId: id, step: m.step, metrics: m });
      run.sftStep = Math.max(run.sftStep, ...rows.map((m) => m.step));
    });
  }

  /** The run's RL metrics rows in step order (metrics.jsonl's objects). */
  async loadMetrics(id: string): Promise<StepMetrics[]> {
    return (await this.rows<{ metrics: StepMetrics }>('metrics', id)).map((r) => r.metrics);
  }

  async loadSftMetrics(id: string): Promise<SftStepMetrics[]> {
    return (await this.rows<{ metrics: SftStepMetrics }>('sftMetrics', id)).map((r) => r.metrics);
  }

  // ---- trajectories --------------------------------------------------------------------------

  /** Stores one step's trajectories, dropping the oldest steps beyond the run's budget. */
  async putTrajectories(
    id: string,
    step: number,
    trajectories: Trajectory[],
  ): Promise<TrajectoryUsage> {
    const json = JSON.stringify(trajectories);
    const bytes = new TextEncoder().encode(json).length;
    const out: { usage?: TrajectoryUsage } = {};
    await this.modifyRunLater(id, ['runs', 'trajectories'], (run, tx, finish) => {
      const store = tx.objectStore('trajectories');
      const u = run.trajectories;
      const prev = store.get([id, step]);
      prev.onsuccess = () => {
        const old = prev.result as Row<{ bytes: number }> | undefined;
        if (old) {
          u.bytes -= old.bytes;
          u.steps -= 1;
        }
        store.put({ runId: id, step, bytes, json });
        u.bytes += bytes;
        u.steps += 1;
        // Oldest first; the step just written is always kept.
        eachOfRun(
          store,
          id,
          (row, c) => {
            if (u.bytes <= u.budgetBytes || row.step === step) return;
            u.bytes -= (row as Row<{ bytes: number }>).bytes;
            u.steps -= 1;
            u.dropped += 1;
            c.delete();
          },
          () => {
            out.usage = { ...u };
            finish();
          },
        );
      };
    });
    return out.usage!;
  }

  /**
   * The kept trajectories by step, oldest first. Each carries its row's step (from 1): runs saved
   * before trajectories were numbered like metrics hold 0-based numbers in their JSON.
   */
  async loadTrajectories(id: string): Promise<Array<{ step: number; trajectories: Trajectory[] }>> {
    const rows = await this.rows<{ json: string }>('trajectories', id);
    return rows.map((r) => ({
      step: r.step,
      trajectories: (JSON.parse(r.json) as Trajectory[]).map((t) =>
        t.step === r.step ? t : { ...t, step: r.step },
      ),
    }));
  }

  // ---- resume bookkeeping --------------------------------------------------------------------

  /**
   * Forgets what came after `step` (rows of steps past a checkpoint, written before a crash):
   * the resumed run writes them again.
   */
  async truncateAfter(id: string, step: number): Promise<void> {
    await this.modifyRunLater(id, ['runs', 'metrics', 'trajectories'], (run, tx, finish) => {
      run.step = Math.min(run.step, step);
      eachOfRun(tx.objectStore('metrics'), id, (row, c) => {
        if (row.step > step) c.delete();
      });
      const u = run.trajectories;
      eachOfRun(
        tx.objectStore('trajectories'),
        id,
        (row, c) => {
          if (row.step <= step) return;
          u.bytes -= (row as Row<{ bytes: number }>).bytes;
          u.steps -= 1;
          c.delete();
        },
        finish,
      );
    });
  }

  /** Forgets all rows (a run interrupted before its first checkpoint starts over). */
  async resetProgress(id: string): Promise<void> {
    await this.modifyRun(id, ['runs', 'metrics', 'sftMetrics', 'trajectories'], (run, tx) => {
      for (const s of ['metrics', 'sftMetrics', 'trajectories'] as const)
        eachOfRun(tx.objectStore(s), id, (_, c) => c.delete());
      run.step = 0;
      run.sftStep = 0;
      run.trajectories = { ...run.trajectories, steps: 0, bytes: 0, dropped: 0 };
    });
  }

  // ---- checkpoints ---------------------------------------------------------------------------

  /** Writes a checkpoint atomically (see the top of this file) and applies `patch` with the flip. */
  writeCheckpoint(
    id: string,
    step: number,
    files: Record<string, Uint8Array>,
    patch: RunPatch = {},
  ): Promise<CheckpointPointer> {
    return this.serial(async () => {
      const fault = this.opts.faults ?? (() => {});
      const refs = await storeVerified(this.blobs, step, files, () => fault('blobs-written'));
      fault('blobs-verified');
      const pointer: CheckpointPointer = { step, createdAt: Date.now(), files: refs };
      const old: { hashes: string[] } = { hashes: [] };
      await this.modifyRun(id, ['runs'], (run) => {
        old.hashes = pointerHashes(run.checkpoint);
        Object.assign(run, patch, patch.config ? { config: redactConfig(patch.config) } : {});
        run.checkpoint = pointer;
      });
      fault('pointer-flipped');
      const kept = new Set(pointerHashes(pointer));
      await this.release(old.hashes.filter((h) => !kept.has(h)));
      return pointer;
    });
  }

  /** The run's checkpoint files, each checked against its SHA-256 (CheckpointCorruptError). */
  async loadCheckpoint(
    id: string,
  ): Promise<{ pointer: CheckpointPointer; files: Record<string, Uint8Array> }> {
    const run = await this.requireRun(id);
    const pointer = run.checkpoint;
    if (!pointer)
      throw new Error(
        `Run "${run.name}" has no checkpoint yet (it stopped during warm-up or before step ${run.config.rl.checkpointEvery}); start it again.`,
      );
    return { pointer, files: await loadVerified(this.blobs, pointer, run.name) };
  }

  /** Deletes blobs no run's checkpoint references (left by a crash between write and flip). */
  collectGarbage(): Promise<number> {
    return this.serial(async () => {
      const all = await this.blobs.list();
      return this.release(all);
    });
  }

  close(): void {
    this.db.close();
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Deletes those of `candidates` that no run's checkpoint references. Call inside `serial`. */
  private async release(candidates: string[]): Promise<number> {
    if (candidates.length === 0) return 0;
    const used = new Set((await this.listRuns()).flatMap((r) => pointerHashes(r.checkpoint)));
    const drop = candidates.filter((h) => !used.has(h));
    for (const h of drop) await this.blobs.delete(h);
    return drop.length;
  }

  private async requireRun(id: string): Promise<RunRecord> {
    const run = await this.getRun(id);
    if (!run)
      throw new Error(`No saved run with id ${id}; it may have been deleted in another tab.`);
    return run;
  }

  private async rows<T>(store: StoreName, id: string): Promise<Array<Row<T>>> {
    const tx = this.db.transaction([store], 'readonly');
    const rows = await request(tx.objectStore(store).index('runId').getAll(id));
    return (rows as Array<Row<T>>).sort((a, b) => a.step - b.step);
  }

  /** Reads the run, lets `fn` change it (and write other stores), writes it back: one transaction. */
  private modifyRun(
    id: string,
    stores: StoreName[],
    fn: (run: RunRecord, tx: IDBTransaction) => void,
  ): Promise<void> {
    return this.modifyRunLater(id, stores, (run, tx, finish) => {
      fn(run, tx);
      finish();
    });
  }

  /** As modifyRun, for changes that wait on further requests: the run is written at `finish()`. */
  private modifyRunLater(
    id: string,
    stores: StoreName[],
    fn: (run: RunRecord, tx: IDBTransaction, finish: () => void) => void,
  ): Promise<void> {
    return transaction(this.db, stores, 'readwrite', (tx, abort) => {
      const runs = tx.objectStore('runs');
      const req = runs.get(id);
      req.onsuccess = () => {
        const run = req.result as RunRecord | undefined;
        if (!run) return abort(new Error(`No saved run with id ${id}; it may have been deleted.`));
        try {
          fn(run, tx, () => {
            run.updatedAt = Date.now();
            runs.put(run);
          });
        } catch (e) {
          abort(e as Error);
        }
      };
    });
  }
}

function checkName(name: string): string {
  const n = name.trim();
  if (!n) throw new Error('A run name cannot be empty.');
  if (n.length > 200)
    throw new Error(`A run name can have at most 200 characters (got ${n.length}).`);
  return n;
}

/** The browser's store: IndexedDB for records, OPFS for checkpoint files when available. */
export async function openRunStore(
  opts: Partial<Omit<RunStoreOptions, 'indexedDB'>> = {},
): Promise<RunStore> {
  if (typeof indexedDB === 'undefined')
    throw new Error('This browser has no IndexedDB (private mode?): runs cannot be saved.');
  return RunStore.open({
    ...opts,
    indexedDB,
    blobs: opts.blobs ?? (await OpfsBlobStore.open()) ?? undefined,
  });
}
