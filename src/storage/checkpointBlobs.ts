/**
 * A checkpoint's files in the blob store, keyed by their SHA-256: written and read back before
 * a run's pointer may name them, and checked against their hash whenever they are loaded.
 */
import { sha256Hex, type BlobStore } from './blobStore';
import type { CheckpointFileRef, CheckpointPointer } from '../contract/runRecord';

/** A checkpoint file that is missing or whose bytes no longer match their SHA-256. */
export class CheckpointCorruptError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'CheckpointCorruptError';
  }
}

/**
 * Stores each file under its SHA-256 (an intact copy already there is kept, never rewritten:
 * an older checkpoint may use it), calls `written`, then reads every new blob back and checks
 * its hash. Throws, naming the file, when one does not come back intact.
 */
export async function storeVerified(
  blobs: BlobStore,
  step: number,
  files: Record<string, Uint8Array>,
  written: () => void = () => {},
): Promise<Record<string, CheckpointFileRef>> {
  const refs: Record<string, CheckpointFileRef> = {};
  const intact = new Set<string>();
  for (const [name, data] of Object.entries(files)) {
    const sha256 = await sha256Hex(data);
    refs[name] = { sha256, bytes: data.length };
    const existing = await blobs.get(sha256);
    if (existing && (await sha256Hex(existing)) === sha256) intact.add(sha256);
    else await blobs.put(sha256, data);
  }
  written();
  for (const [name, ref] of Object.entries(refs)) {
    if (intact.has(ref.sha256)) continue;
    const back = await blobs.get(ref.sha256);
    if (!back || (await sha256Hex(back)) !== ref.sha256)
      throw new Error(
        `Checkpoint at step ${step}: ${name} did not read back intact from ${blobs.kind}; the previous checkpoint is kept.`,
      );
  }
  return refs;
}

/** The pointer's files, each checked against its SHA-256 and size. */
export async function loadVerified(
  blobs: BlobStore,
  pointer: CheckpointPointer,
  runName: string,
): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  const where = `Checkpoint of run "${runName}" at step ${pointer.step}`;
  const advice = 'The run cannot continue from it; export its metrics or delete it.';
  for (const [name, ref] of Object.entries(pointer.files)) {
    const data = await blobs.get(ref.sha256);
    if (!data)
      throw new CheckpointCorruptError(
        `${where} is incomplete: ${name} is missing from ${blobs.kind} storage. ${advice}`,
        name,
      );
    const got = await sha256Hex(data);
    if (got !== ref.sha256 || data.length !== ref.bytes)
      throw new CheckpointCorruptError(
        `${where} is corrupt: ${name} has SHA-256 ${got.slice(0, 12)}… (${data.length} bytes) but was saved as ${ref.sha256.slice(0, 12)}… (${ref.bytes} bytes). ${advice}`,
        name,
      );
    files[name] = data;
  }
  return files;
}

/** The blob hashes a pointer references. */
export function pointerHashes(p: CheckpointPointer | null): string[] {
  return p ? Object.values(p.files).map((f) => f.sha256) : [];
}
