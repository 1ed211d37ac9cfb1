import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sourceFromUrl, type HfSource } from '../engine/hf/source';

/** A Hugging Face model folder on disk (Node): missing files read as null. */
export function sourceFromDir(dir: string): HfSource {
  return {
    label: dir,
    async read(name, onBytes) {
      try {
        const buf = await readFile(join(dir, name));
        const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
        onBytes?.(bytes.byteLength, bytes.byteLength);
        return bytes;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new Error(`Could not read ${join(dir, name)}: ${(e as Error).message}`);
      }
    },
  };
}

/** student.hf as the CLI reads it: an http(s) URL, else a folder path. */
export function hfSourceFor(location: string): HfSource {
  return /^https?:\/\//.test(location) ? sourceFromUrl(location) : sourceFromDir(location);
}
