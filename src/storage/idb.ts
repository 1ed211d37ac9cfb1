/**
 * The lab's IndexedDB database and small promise helpers. One database, five object stores:
 *   runs          {id, name, config, status, step, checkpoint pointer, ...}   key: id
 *   metrics       {runId, step, metrics}         key: [runId, step], index runId
 *   sftMetrics    {runId, step, metrics}         key: [runId, step], index runId
 *   trajectories  {runId, step, bytes, json}     key: [runId, step], index runId
 *   blobs         {hash, data}                   key: hash (checkpoint files without OPFS)
 * Writes that must hold together go in one transaction: IndexedDB commits it whole or not at all.
 */

export const DB_NAME = 'thinktuning-lab';
const DB_VERSION = 1;

export type StoreName = 'runs' | 'metrics' | 'sftMetrics' | 'trajectories' | 'blobs';

export function openDatabase(factory: IDBFactory, name = DB_NAME): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(name, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains('runs')) db.createObjectStore('runs', { keyPath: 'id' });
      for (const s of ['metrics', 'sftMetrics', 'trajectories'] as const) {
        if (db.objectStoreNames.contains(s)) continue;
        db.createObjectStore(s, { keyPath: ['runId', 'step'] }).createIndex('runId', 'runId');
      }
      if (!db.objectStoreNames.contains('blobs'))
        db.createObjectStore('blobs', { keyPath: 'hash' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(storageError('opening the run database', req.error));
    req.onblocked = () =>
      reject(
        new Error('The run database is blocked by another tab of the lab; close it and reload.'),
      );
  });
}

/** A request's result (for reads; a write that depends on a read goes through `transaction`). */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(storageError('reading the run database', req.error));
  });
}

/**
 * Runs `body` in one transaction and resolves when it commits. `body` issues requests and
 * chains further ones from their callbacks (never awaiting other work, which would let the
 * transaction close); `abort(err)` rolls everything back and rejects with `err`.
 */
export function transaction(
  db: IDBDatabase,
  stores: StoreName[],
  mode: IDBTransactionMode,
  body: (tx: IDBTransaction, abort: (err: Error) => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(stores, mode);
    let failure: Error | null = null;
    const abort = (err: Error) => {
      failure ??= err;
      try {
        tx.abort();
      } catch {
        // already finished
      }
    };
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(failure ?? storageError('writing the run database', tx.error));
    tx.onerror = (ev) => ev.preventDefault(); // reported once, by onabort
    try {
      body(tx, abort);
    } catch (e) {
      abort(e as Error);
    }
  });
}

/** Calls `fn` on every record of one run (cursor over the runId index), in step order. */
export function eachOfRun(
  store: IDBObjectStore,
  runId: string,
  fn: (value: { runId: string; step: number }, cursor: IDBCursorWithValue) => void,
  done?: () => void,
): void {
  const req = store.index('runId').openCursor(runId);
  req.onsuccess = () => {
    const c = req.result;
    if (!c) return done?.();
    fn(c.value as { runId: string; step: number }, c);
    c.continue();
  };
}

/** Turns IndexedDB's DOMExceptions into messages that say what happened and what to do. */
export function storageError(doing: string, err: DOMException | Error | null): Error {
  const name = err?.name ?? 'UnknownError';
  if (name === 'QuotaExceededError')
    return new Error(
      `Browser storage is full while ${doing}: delete or export old runs in the run list to make room.`,
    );
  return new Error(
    `Browser storage failed while ${doing}: ${name}${err?.message ? `: ${err.message}` : ''}.`,
  );
}
