/**
 * "Export as verl job" for a saved run: the worker builds the job folder as one ZIP (protocol:
 * export-verl-job, session/hosts/verlExportHost.ts) and the page downloads it.
 */
import type { RunConfig } from '../contract/config';
import { useLab } from './labStore';
import { currentWorkerClient, download } from './workerClient';

/** Builds the job for a saved run and downloads it; a failure is shown under Messages. */
export async function exportRunAsVerlJob(config: RunConfig, name: string): Promise<void> {
  try {
    const client = currentWorkerClient();
    if (!client)
      throw new Error('the trainer worker has not started yet: wait for the page to load.');
    const reply = await client.request({ type: 'export-verl-job', config, name }, 'verl-job');
    download(reply.filename, reply.bytes, 'application/zip');
  } catch (e) {
    useLab.setState((s) => ({
      errors: [...s.errors, `Export as verl job: ${(e as Error).message}`],
    }));
  }
}
