/**
 * Content-addressed storage of checkpoint files: the key is the SHA-256 of the bytes, so a file
 * is never overwritten by different content and a changed byte is detected on read.
 * Two backends: OPFS (the origin private file system, for large files) and an IndexedDB object
 * store (everywhere else, and in Node tests through fake-indexeddb).
 */
import { request, storageError, transaction } from './idb';

export interface BlobStore {
  /** Where the bytes live, for messages ("OPFS", "IndexedDB"). */
  readonly kind: string;
  put(hash: string, data: Uint8Array): Promise<void>;
  /** null when absent. */
  get(hash: string): Promise<Uint8Array | null>;
  delete(hash: string): Promise<void>;
  list(): Promise<string[]>;
}

/** SHA-256 of the bytes as 64 lowercase hex digits (shared with the CLI's checkpoint manifest). */
export { sha256Hex } from '../engine/store/sha256';

/** Blobs as records {hash, data} of the database's `blobs` store. */
export class IdbBlobStore implements BlobStore {
  readonly kind = 'IndexedDB';
  constructor(private readonly db: IDBDatabase) {}

  put(hash: string, data: Uint8Array): Promise<void> {
    return transaction(this.db, ['blobs'], 'readwrite', (tx) => {
      tx.objectStore('blobs').put({ hash, data });
    });
  }

  async get(hash: string): Promise<Uint8Array | null> {
    const tx = this.db.transaction(['blobs'], 'readonly');
    const rec = await request<{ data: Uint8Array } | undefined>(tx.objectStore('blobs').get(hash));
    return rec ? rec.data : null;
  }

  delete(hash: string): Promise<void> {
    return transaction(this.db, ['blobs'], 'readwrite', (tx) => {
      tx.objectStore('blobs').delete(hash);
    });
  }

  async list(): Promise<string[]> {
    const tx = this.db.transaction(['blobs'], 'readonly');
    return (await request(tx.objectStore('blobs').getAllKeys())) as string[];
  }
}

/** One file per blob in an OPFS folder. `createWritable` writes a swap file and swaps on close. */
export class OpfsBlobStore implements BlobStore {
  readonly kind = 'OPFS';
  private constructor(private readonly dir: FileSystemDirectoryHandle) {}

  /** The store, or null where OPFS is missing or refused (then IndexedDB holds the blobs). */
  static async open(folder = 'thinktuning-lab-blobs'): Promise<OpfsBlobStore | null> {
    try {
      if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return null;
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle(folder, { create: true });
      const probe = await dir.getFileHandle('.probe', { create: true });
      if (typeof probe.createWritable !== 'function') return null;
      return new OpfsBlobStore(dir);
    } catch {
      return null;
    }
  }

  async put(hash: string, data: Uint8Array): Promise<void> {
    try {
      const fh = await this.dir.getFileHandle(hash, { create: true });
      const w = await fh.createWritable();
      await w.write(data as Uint8Array<ArrayBuffer>);
      await w.close();
    } catch (e) {
      throw storageError('writing a checkpoint file', e as Error);
    }
  }

  async get(hash: string): Promise<Uint8Array | null> {
    let fh: FileSystemFileHandle;
    try {
      fh = await this.dir.getFileHandle(hash);
    } catch {
      return null;
    }
    return new Uint8Array(await (await fh.getFile()).arrayBuffer());
  }

  async delete(hash: string): Promise<void> {
    try {
      await this.dir.removeEntry(hash);
    } catch {
      // already gone
    }
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    for await (const name of (this.dir as unknown as { keys(): AsyncIterable<string> }).keys())
      if (/^[0-9a-f]{64}$/.test(name)) out.push(name);
    return out;
  }
}
