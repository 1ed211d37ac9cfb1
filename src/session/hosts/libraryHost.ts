/**
 * Saved runs (src/storage through runLibrary.ts): the run list, rename, delete, export and
 * import as ZIP, metrics rows for the compare view, and saving the runs other hosts train.
 */
import type { RunConfig } from '../../contract/config';
import { comparisonArmName, type Method } from '../../contract/resultsTable';
import type { StepMetrics } from '../../contract/metrics';
import { RunLibrary, type RunRecorder } from '../runLibrary';
import type { CommandOf, SessionContext } from './context';

export class LibraryHost {
  /** Opened on first use; null when the host has no store or it failed to open. */
  private library: Promise<RunLibrary | null> | null = null;

  /**
   * @param training whether a saved run is being recorded by a live run now (it is neither
   *   marked interrupted at start-up nor deleted).
   */
  constructor(
    private readonly ctx: SessionContext,
    private readonly training: (runId: string) => boolean,
  ) {}

  /** The saved-runs library, opened once; null (with one warning) when runs cannot be saved. */
  open(): Promise<RunLibrary | null> {
    const { host } = this.ctx;
    this.library ??= (async () => {
      if (!host.openRunStore) return null;
      try {
        const store = await host.openRunStore();
        const estimate = host.estimateStorage ?? (async () => null);
        const lib = new RunLibrary(store, (e) => host.post(e), estimate);
        await lib.init(this.training);
        return lib;
      } catch (e) {
        const message = `Runs will not be saved across reloads: ${(e as Error).message}`;
        host.post({ type: 'log', level: 'warn', message });
        return null;
      }
    })();
    return this.library;
  }

  /** Work on the library, or the error that saved runs are not available here. */
  async use<T>(work: (lib: RunLibrary) => Promise<T>): Promise<T> {
    const lib = await this.open();
    if (!lib)
      throw new Error(
        'Saved runs are not available here (no IndexedDB, e.g. a private window): runs are not kept across reloads.',
      );
    return work(lib);
  }

  /** A change to the saved runs, then the updated list. */
  private change(work: (lib: RunLibrary) => Promise<unknown>): Promise<void> {
    return this.use(async (lib) => {
      await work(lib);
      await lib.postRuns();
    });
  }

  list(cmd: CommandOf<'list-runs'>): Promise<void> {
    return this.use((lib) => lib.postRuns(cmd.id));
  }

  rename(cmd: CommandOf<'rename-run'>): Promise<void> {
    return this.change((lib) => lib.rename(cmd.runId, cmd.name));
  }

  delete(cmd: CommandOf<'delete-run'>): Promise<void> {
    if (this.training(cmd.runId))
      throw new Error('This run is training: stop it before deleting it.');
    return this.change((lib) => lib.delete(cmd.runId));
  }

  export(cmd: CommandOf<'export-run'>): Promise<void> {
    return this.use(async (lib) => {
      const { filename, bytes } = await lib.exportRun(cmd.runId);
      const buffer = bytes.buffer.slice(
        bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength,
      ) as ArrayBuffer;
      this.ctx.host.post({ type: 'run-bundle', id: cmd.id, filename, bytes: buffer }, [buffer]);
    });
  }

  import(cmd: CommandOf<'import-run'>): Promise<void> {
    const { bytes, filename } = cmd;
    return this.change(async (lib) => {
      const run = await lib.importRun(new Uint8Array(bytes), filename);
      const cp = run.checkpoint ? `, checkpoint at step ${run.checkpoint.step}` : ', no checkpoint';
      const message = `Imported "${run.name}" from ${filename}: ${run.step} steps${cp}.`;
      this.ctx.host.post({ type: 'log', level: 'info', message });
    });
  }

  /** The metrics rows of saved runs (the compare view overlays them). */
  readMetrics(cmd: CommandOf<'read-metrics'>): Promise<void> {
    return this.use(async (lib) => {
      const metrics: Record<string, StepMetrics[]> = {};
      for (const runId of cmd.runIds) metrics[runId] = await lib.loadMetrics(runId);
      this.ctx.host.post({ type: 'run-metrics', id: cmd.id, metrics });
    });
  }

  /** Starts saving a new run; undefined when runs are not saved (the run trains all the same). */
  async record(config: RunConfig, name: string): Promise<RunRecorder | undefined> {
    const lib = await this.open();
    if (!lib) return undefined;
    try {
      return await lib.begin(config, name, this.ctx.backendName);
    } catch (e) {
      const message = `This run will not be saved: ${(e as Error).message}`;
      this.ctx.host.post({ type: 'log', level: 'warn', message });
      return undefined;
    }
  }

  /**
   * Saves a comparison's trained arm as a finished run (the run list and the compare view list
   * it after a reload); undefined when runs are not saved or nothing was trained (zero-shot).
   */
  async saveArm(
    config: RunConfig,
    label: string,
    method: Method,
    metrics: StepMetrics[] | undefined,
  ): Promise<string | undefined> {
    if (!metrics?.length) return undefined;
    const lib = await this.open();
    if (!lib) return undefined;
    try {
      const algo = method === 'grpo' || method === 'thinktuning' ? method : config.rl.algo;
      const record = await lib.saveFinished({
        name: comparisonArmName(method, label, config.seed),
        config: { ...config, rl: { ...config.rl, algo } },
        backend: this.ctx.backendName,
        origin: `comparison:${method}`,
        metrics,
      });
      return record.id;
    } catch (e) {
      this.ctx.host.post({
        type: 'log',
        level: 'warn',
        message: `Saving the comparison's ${method} arm failed: ${(e as Error).message} The comparison goes on.`,
      });
      return undefined;
    }
  }
}
