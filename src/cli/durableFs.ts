/**
 * The CLI's file writes, made to survive a crash at any moment, and the points where a test can
 * inject one (`setWriteFaultHook`).
 *
 *   writeFileAtomic   whole files (config.json, a trimmed metrics.jsonl): a sibling "<name>.tmp"
 *                     is written and flushed, then renamed over the file, so a reader sees the
 *                     old file or the new one, never a mix
 *   appendDurable     JSONL rows: appended and flushed; a crash can leave a torn last line, which
 *                     readers drop (jsonlFile.ts)
 *   writeFileFlushed  a file inside a staging folder nobody reads yet (checkpointDir.ts)
 *
 * Every step that changes the disk passes a write point first: a fault hook may crash there
 * (`'crash'`) or, for data, write half of it and crash (`'tear'`), as a kill -9 would leave it.
 * The code after a point never cleans up on error, so an injected crash leaves the disk exactly
 * as a killed process would.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export type WritePointKind = 'mkdir' | 'write' | 'append' | 'rename' | 'remove';

/** One change to the disk about to happen. */
export interface WritePoint {
  kind: WritePointKind;
  path: string;
  /** For 'rename': where to. */
  to?: string;
}

/** What a fault hook does at a point: go on, crash before it, or write half the data and crash. */
export type FaultAction = 'crash' | 'tear' | undefined;

export type WriteFaultHook = (point: WritePoint) => FaultAction;

/** The error an injected crash throws (the process would be gone at that point). */
export class SimulatedCrash extends Error {
  constructor(readonly point: WritePoint) {
    super(`simulated crash at ${point.kind} ${point.path}`);
    this.name = 'SimulatedCrash';
  }
}

let faultHook: WriteFaultHook | null = null;

/** Test hook: called before every change to the disk (null: none). */
export function setWriteFaultHook(hook: WriteFaultHook | null): void {
  faultHook = hook;
}

/** Passes a write point: crashes when the hook says so, or returns whether to tear the write. */
function reach(point: WritePoint): boolean {
  const action = faultHook?.(point);
  if (action === 'crash') throw new SimulatedCrash(point);
  return action === 'tear';
}

const enc = new TextEncoder();
const asBytes = (data: Uint8Array | string) => (typeof data === 'string' ? enc.encode(data) : data);

/** Writes `data` through an open file, flushes it; a 'tear' writes the first half and crashes. */
async function writeThrough(
  kind: 'write' | 'append',
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const bytes = asBytes(data);
  const fh = await open(path, kind === 'append' ? 'a' : 'w');
  try {
    const tear = reach({ kind, path });
    await fh.write(tear ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes);
    if (tear) throw new SimulatedCrash({ kind, path });
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Flushes a folder's entries (renames, new files) to disk; a no-op where folders cannot be opened. */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows cannot open a folder; its renames are durable enough for this purpose.
  } finally {
    await fh?.close();
  }
}

/** Writes a file inside a folder nobody reads yet, flushed. */
export async function writeFileFlushed(path: string, data: Uint8Array | string): Promise<void> {
  await writeThrough('write', path, data);
}

/** Replaces a file in one step: write "<path>.tmp", flush, rename over `path`, flush the folder. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeThrough('write', tmp, data);
  await renamePath(tmp, path);
}

/** Appends and flushes (JSONL rows). */
export async function appendDurable(path: string, text: string): Promise<void> {
  await writeThrough('append', path, text);
}

/** Renames, then flushes the destination's folder. */
export async function renamePath(from: string, to: string): Promise<void> {
  reach({ kind: 'rename', path: from, to });
  await rename(from, to);
  await syncDir(dirname(to));
}

/** Creates a folder (and its parents). */
export async function makeDir(path: string): Promise<void> {
  reach({ kind: 'mkdir', path });
  await mkdir(path, { recursive: true });
}

/** Removes a file or folder tree if it exists. */
export async function removePath(path: string): Promise<void> {
  if (!(await exists(path))) return;
  reach({ kind: 'remove', path });
  await rm(path, { recursive: true, force: true });
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
