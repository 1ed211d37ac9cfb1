/**
 * "Export as verl job" for a saved run: the run's tasks (generated here, GSM8K fetched from its
 * URL), the job folder from the engine's pure builder, one ZIP sent back to the page.
 */
import type { RunConfig } from '../../contract/config';
import { loadItems, type ReadText } from '../../engine/eval/sources';
import { buildVerlJob } from '../../engine/export/verl/job';
import { experimentName } from '../../engine/export/verl/scripts';
import { writeZip } from '../../storage/zip';
import type { CommandOf, SessionContext } from './context';

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

export class VerlExportHost {
  constructor(
    private readonly ctx: SessionContext,
    /** Reads GSM8K by URL (default: fetch, with the CLI hint for a local path). */
    private readonly readText: ReadText = fetchText,
  ) {}

  async export(cmd: CommandOf<'export-verl-job'>): Promise<void> {
    const { filename, bytes } = await verlJobZip(cmd.config, cmd.name, this.readText);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const transfer = buffer as ArrayBuffer;
    this.ctx.host.post({ type: 'verl-job', id: cmd.id, filename, bytes: transfer }, [transfer]);
  }
}
