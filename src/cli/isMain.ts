import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Whether the module at `metaUrl` is the script Node was started with (`node file`, `tsx file`).
 * The file name must match too: in a bundle (the GPU kit's bench.mjs) every module shares the
 * bundle's import.meta.url, so the URL alone would run every bundled script's main.
 */
export function isMain(metaUrl: string, fileName: string, argv1 = process.argv[1]): boolean {
  if (!argv1) return false;
  const stem = (p: string) => basename(p).replace(/\.[cm]?[tj]s$/, '');
  return stem(argv1) === fileName && metaUrl === pathToFileURL(argv1).href;
}
