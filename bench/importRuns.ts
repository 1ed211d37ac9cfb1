/**
 * The `import` part of `npm run bench` (also `npx tsx bench/importRuns.ts [N]`): opening big runs
 * read-only. Writes a synthetic N-rollout verl dump (default 100 000) and a TRL completions folder
 * with N unique rows to a temporary folder, then opens each as the CLI and the page do (streamed,
 * indexed, texts left in the files) and reports load time, the JS heap the index keeps (after a GC
 * when node runs with --expose-gc) and the time to read one group back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMain } from '../src/cli/isMain';
import {
  syntheticTrlCompletions,
  syntheticVerlDump,
  writeFixture,
} from '../scripts/importFixtures';
import { runSources } from '../src/cli/fileSource';
import { openRun, readGroup } from '../src/engine/import/openRun';

export interface ImportBenchRow {
  format: 'verl' | 'trl';
  rollouts: number;
  files: number;
  file_mb: number;
  load_ms: number;
  heap_mb: number;
  read_group_ms: number;
  gc: boolean;
}

const MB = 2 ** 20;

function heap(): { heap: number; gc: boolean } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return { heap: process.memoryUsage().heapUsed, gc: gc !== undefined };
}

async function measure(format: 'verl' | 'trl', dir: string): Promise<ImportBenchRow> {
  const before = heap();
  const t0 = performance.now();
  const run = await openRun(format, await runSources(dir));
  const loadMs = performance.now() - t0;
  const after = heap();
  const t1 = performance.now();
  await readGroup(run, Math.floor(run.groups.length / 2));
  const readMs = performance.now() - t1;
  const row: ImportBenchRow = {
    format,
    rollouts: run.order.length,
    files: run.files.length,
    file_mb: Number((run.bytes / MB).toFixed(1)),
    load_ms: Math.round(loadMs),
    heap_mb: Number(((after.heap - before.heap) / MB).toFixed(1)),
    read_group_ms: Number(readMs.toFixed(1)),
    gc: after.gc,
  };
  if (run.problemCount)
    throw new Error(`${format}: ${run.problemCount} problems in a clean fixture`);
  return row;
}

/** Both formats at `rollouts` rollouts; the fixtures are removed afterwards. */
export async function runImportBench(
  log: (s: string) => void,
  rollouts = 100_000,
): Promise<ImportBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'import-bench-'));
  try {
    log(`import: writing a ${rollouts}-rollout verl dump and TRL folder in ${dir}`);
    await writeFixture(join(dir, 'verl'), syntheticVerlDump({ rollouts }));
    // 160 new rows per logged step in a 320-row window: every file repeats the previous half.
    const steps = Math.ceil(rollouts / 160);
    await writeFixture(
      join(dir, 'trl', 'completions'),
      syntheticTrlCompletions({ steps, rowsPerStep: 160, window: 320 }),
    );
    const rows = [await measure('verl', join(dir, 'verl')), await measure('trl', join(dir, 'trl'))];
    for (const r of rows)
      log(
        `import ${r.format}: ${r.rollouts} rollouts, ${r.files} files (${r.file_mb} MB) in ${r.load_ms} ms, heap +${r.heap_mb} MB${r.gc ? '' : ' (no --expose-gc)'}, one group ${r.read_group_ms} ms`,
      );
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url, 'importRuns')) {
  const n = Number(process.argv[2] ?? 100_000);
  const rows = await runImportBench((s) => process.stderr.write(s + '\n'), n);
  process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
}
