/**
 * An ImportSource over bytes in memory (tests, and files the page already holds), streamed in
 * chunks of a fixed size so line splitting across chunk edges is exercised.
 */
import type { ImportSource } from '../../contract/importedRun';

export function memorySource(
  name: string,
  data: string | Uint8Array,
  chunkBytes = 64 * 1024,
): ImportSource {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return {
    name,
    size: bytes.length,
    async *stream() {
      for (let at = 0; at < bytes.length; at += chunkBytes)
        yield bytes.subarray(at, at + chunkBytes);
    },
    read: async (start, end) => bytes.slice(start, end),
  };
}

/** A browser File (or Blob with a name) as an ImportSource: streamed, and sliced on demand. */
export function blobSource(name: string, blob: Blob): ImportSource {
  return {
    name,
    size: blob.size,
    async *stream() {
      const reader = blob.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    },
    read: async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()),
  };
}
