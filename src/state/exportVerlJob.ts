/**
 * "Export as verl job" for a saved run, in the page: the run's tasks (generated here, GSM8K
 * fetched from its URL), the job folder from the engine's pure builder, one ZIP download.
 * Nothing here loads tfjs or the worker.
 */
import type { RunConfig } from '../contract/config';
import { loadItems, type ReadText } from '../engine/eval/sources';
import { buildVerlJob } from '../engine/export/verl/job';
import { experimentName } from '../engine/export/verl/scripts';
import { writeZip } from '../storage/zip';
import { useLab } from './labStore';

/** Fetches GSM8K text; a local path (a CLI run's) cannot be fetched and says so. */
export const fetchText: ReadText = async (url) => {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(
      `cannot fetch ${url} (${(e as Error).message}): a file path only works in the CLI, npm run lab -- export-verl --run DIR.`,
    );
  }
  if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}.`);
  return res.text();
};

/** The job as one ZIP: every file under a folder named after the run. */
export async function verlJobZip(
  config: RunConfig,
  name: string,
  readText: ReadText = fetchText,
): Promise<{ filename: string; bytes: Uint8Array }> {
  const train = await loadItems(config.data, 'train', readText);
  const test = await loadItems(config.data, 'eval', readText);
  const folder = `${experimentName(name)}-verl`;
  const enc = new TextEncoder();
  const files = buildVerlJob({ config, name, train: train.items, test: test.items });
  const bytes = writeZip(
    files.map((f) => ({ name: `${folder}/${f.path}`, data: enc.encode(f.text) })),
  );
  return { filename: `${folder}.zip`, bytes };
}

/** Builds the job for a saved run and downloads it; a failure is shown under Messages. */
export async function exportRunAsVerlJob(config: RunConfig, name: string): Promise<void> {
  try {
    const { filename, bytes } = await verlJobZip(config, name);
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/zip' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (e) {
    useLab.setState((s) => ({
      errors: [...s.errors, `Export as verl job: ${(e as Error).message}`],
    }));
  }
}
