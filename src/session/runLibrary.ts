/**
 * The worker's side of saved runs: records a training run as it goes (metrics rows, warm-up
 * rows, trajectories within a budget, checkpoints) and answers the run list's commands (list,
 * rename, delete, export, import, resume). Saving never stops training: a storage failure is
 * reported as a warning and the run goes on.
 */
import type { RunConfig } from '../contract/config';
import { resumePointFromFiles, type ResumePoint } from '../engine/loop/resume';
import type { StepResult, Trajectory } from '../contract/loopRecords';
import type { StepMetrics } from '../contract/metrics';
import type { SftStepMetrics } from '../contract/sftMetrics';
import type { CheckpointFiles } from '../engine/store/checkpoint';
import { exportRunBundle, importRunBundle } from '../storage/bundle';
import { redactConfig } from '../storage/redact';
import { type RunStore } from '../storage/runStore';
import { type RunRecord, type RunRecordStatus } from '../contract/runRecord';
import { QUOTA_WARN_FRACTION, type StorageUsage } from '../contract/storageUsage';
import type { RunStatus, WorkerEvent } from './protocol';

/** What a TrainingRun tells the library as it trains (all calls keep their order). */
export interface RunRecorder {
  readonly runId: string;
  sftMetrics(rows: SftStepMetrics[]): Promise<void>;
  step(result: StepResult, step: number): Promise<void>;
  /** Saves a checkpoint at `step`; `files` is only called when it is written. */
  checkpoint(step: number, files: () => Promise<CheckpointFiles>): Promise<void>;
  status(status: RunStatus, config: RunConfig): Promise<void>;
}

/** A saved run made ready to continue. */
export interface PreparedResume {
  record: RunRecord;
  /** null: no checkpoint yet (stopped during warm-up); the run starts over. */
  point: ResumePoint | null;
  history: StepMetrics[];
  sftHistory: SftStepMetrics[];
  trajectories: Array<{ step: number; trajectories: Trajectory[] }>;
}

const RECORD_STATUS: Record<RunStatus, RunRecordStatus | null> = {
  idle: null,
  running: 'running',
  paused: 'paused',
  stopping: null,
  done: 'finished',
  stopped: 'stopped',
  failed: 'failed',
};

const enc = new TextEncoder();

export class RunLibrary {
  constructor(
    private readonly store: RunStore,
    private readonly post: (e: WorkerEvent) => void,
    private readonly estimate: () => Promise<StorageUsage | null>,
  ) {}

  /** At start-up: runs left 'running' by a closed page become 'interrupted'; orphans collected. */
  async init(isLive?: (id: string) => boolean): Promise<void> {
    await this.store.markInterrupted(isLive);
    await this.store.collectGarbage();
  }

  /** Posts the run list with the storage estimate (answering `id`, or pushed with null). */
  async postRuns(id: number | null = null): Promise<void> {
    const [runs, storage] = await Promise.all([this.store.listRuns(), this.estimate()]);
    this.post({ type: 'runs', id, runs, storage, blobs: this.store.blobs.kind });
  }

  /** A saved run's metrics rows, in step order. */
  loadMetrics(runId: string): Promise<StepMetrics[]> {
    return this.store.loadMetrics(runId);
  }

  /** A new saved run for a training run that starts now. */
  async begin(config: RunConfig, name: string, backend: string | null): Promise<RunRecorder> {
    const record = await this.store.createRun({ name, config, backend });
    void this.postRuns().catch(() => undefined);
    return this.recorder(record.id);
  }

  /** A saved run's kept trajectories, by step (rollout search, the inspector after a reload). */
  loadTrajectories(runId: string): Promise<Array<{ step: number; trajectories: Trajectory[] }>> {
    return this.store.loadTrajectories(runId);
  }

  rename(runId: string, name: string): Promise<RunRecord> {
    return this.store.renameRun(runId, name);
  }

  delete(runId: string): Promise<void> {
    return this.store.deleteRun(runId);
  }

  exportRun(runId: string): Promise<{ filename: string; bytes: Uint8Array }> {
    return exportRunBundle(this.store, runId);
  }

  importRun(bytes: Uint8Array, filename: string): Promise<RunRecord> {
    return importRunBundle(this.store, bytes, filename);
  }

  /**
   * Saves a run that already finished, in one go: its record and metrics rows (no checkpoint,
   * so it cannot be resumed). The paper's comparison saves each trained arm this way, with
   * origin "comparison:<method>" so the compare view knows what trained it.
   */
  async saveFinished(init: {
    name: string;
    config: RunConfig;
    backend: string | null;
    origin: string;
    metrics: StepMetrics[];
  }): Promise<RunRecord> {
    const record = await this.store.createRun({ ...init, status: 'finished' });
    await this.store.appendMetrics(record.id, init.metrics);
    const done = await this.store.updateRun(record.id, {
      totalSteps: init.metrics.at(-1)?.step ?? 0,
    });
    await this.postRuns();
    return done;
  }

  /**
   * Loads what a saved run needs to continue: its checkpoint (checksums verified) as a resume
   * point, and its rows up to that checkpoint (later rows, written before a crash, are dropped:
   * the resumed run writes them again). Without a checkpoint the run starts over.
   */
  async prepareResume(runId: string): Promise<PreparedResume> {
    const record = await this.store.getRun(runId);
    if (!record) throw new Error(`No saved run with id ${runId}; it may have been deleted.`);
    let point: ResumePoint | null = null;
    if (record.checkpoint) {
      const { files } = await this.store.loadCheckpoint(runId);
      const dec = new TextDecoder();
      point = resumePointFromFiles({
        'model.safetensors': files['model.safetensors'],
        'config.json': dec.decode(files['config.json']),
        'tokenizer.json': dec.decode(files['tokenizer.json']),
        'trainer_state.safetensors': files['trainer_state.safetensors'],
      });
      await this.store.truncateAfter(runId, point.state.step);
    } else {
      await this.store.resetProgress(runId);
    }
    const status = { status: 'running' as const };
    return {
      record: await this.store.updateRun(runId, status),
      point,
      history: await this.store.loadMetrics(runId),
      sftHistory: await this.store.loadSftMetrics(runId),
      trajectories: await this.store.loadTrajectories(runId),
    };
  }

  /** The recorder of an existing saved run. */
  recorder(runId: string): RunRecorder {
    let chain: Promise<void> = Promise.resolve();
    let lastStatus: RunRecordStatus | null = null;
    // Each call waits for the ones before; a failure is reported, never thrown at the trainer.
    const queue = (what: string, work: () => Promise<unknown>): Promise<void> => {
      chain = chain
        .then(work)
        .then(() => undefined)
        .catch((e: Error) =>
          this.post({
            type: 'log',
            level: 'warn',
            message: `Saving the run failed (${what}): ${e.message} Training goes on; the run list keeps the last saved state.`,
          }),
        );
      return chain;
    };
    return {
      runId,
      sftMetrics: (rows) =>
        queue('warm-up metrics', () => this.store.appendSftMetrics(runId, rows)),
      step: (r, step) =>
        queue(`step ${step}`, async () => {
          await this.store.appendMetrics(runId, [r.metrics]);
          await this.store.putTrajectories(runId, step, r.trajectories);
        }),
      checkpoint: (step, files) =>
        queue(`checkpoint at step ${step}`, async () => {
          const f = await files();
          const meta = JSON.parse(f['config.json']) as { run: RunConfig };
          const cleanMeta = { ...meta, run: redactConfig(meta.run) };
          const bytes: Record<string, Uint8Array> = {
            'model.safetensors': f['model.safetensors'],
            'tokenizer.json': enc.encode(f['tokenizer.json']),
            'config.json': enc.encode(JSON.stringify(cleanMeta, null, 2)),
          };
          if (f['trainer_state.safetensors'])
            bytes['trainer_state.safetensors'] = f['trainer_state.safetensors'];
          const size = Object.values(bytes).reduce((n, b) => n + b.length, 0);
          await this.warnIfNearlyFull(size);
          await this.store.writeCheckpoint(runId, step, bytes, { config: meta.run });
          await this.postRuns();
        }),
      status: (status, config) => {
        const s = RECORD_STATUS[status];
        if (!s || s === lastStatus) return chain;
        lastStatus = s;
        return queue('status', async () => {
          await this.store.updateRun(runId, { status: s, config, totalSteps: config.rl.steps });
          await this.postRuns();
        });
      },
    };
  }

  private warned = false;

  /**
   * Warns (once per session) before a checkpoint of `size` bytes brings storage past the warning
   * fraction of the quota, so the user can export and delete runs before writes start failing.
   */
  private async warnIfNearlyFull(size: number): Promise<void> {
    const s = await this.estimate();
    if (!s || this.warned || (s.usage + size) / s.quota < QUOTA_WARN_FRACTION) return;
    this.warned = true;
    const full = Math.round((100 * (s.usage + size)) / s.quota);
    this.post({
      type: 'log',
      level: 'warn',
      message: `Browser storage will be ${full}% full after this checkpoint (${mb(s.usage + size)} of ${mb(s.quota)}): export and delete old runs before checkpoints stop fitting.`,
    });
  }
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
