/**
 * Node files as import sources: streamed with a read stream, read back by position; and the
 * files of a run folder (the folder itself and its `completions/` subfolder, as TRL writes it).
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImportSource } from '../contract/importedRun';

export async function nodeFileSource(path: string): Promise<ImportSource> {
  const { size } = await stat(path);
  return {
    name: path,
    size,
    async *stream() {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
        yield chunk as Uint8Array;
    },
    async read(start, end) {
      const fh = await open(path, 'r');
      try {
        const buf = new Uint8Array(end - start);
        await fh.read(buf, 0, buf.length, start);
        return buf;
      } finally {
        await fh.close();
      }
    },
  };
}

/** A file, or the files of a folder and of its `completions/` subfolder. */
export async function runSources(path: string): Promise<ImportSource[]> {
  const s = await stat(path);
  if (s.isFile()) return [await nodeFileSource(path)];
  const out: ImportSource[] = [];
  for (const dir of [path, join(path, 'completions')]) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      const p = join(dir, n);
      if ((await stat(p)).isFile()) out.push(await nodeFileSource(p));
    }
  }
  return out;
}
