import { useRef, useState } from 'react';
import {
  deleteSavedRun,
  duplicateRunConfig,
  exportSavedRun,
  importRunFile,
  renameSavedRun,
  resumeSavedRun,
  runActive,
} from '../state/actions';
import { exportRunAsVerlJob } from '../state/exportVerlJob';
import { useLab } from '../state/labStore';
import { liveRunRecord } from '../state/savedRunView';
import type { RunRecord } from '../contract/runRecord';
import type { StorageUsage } from '../contract/storageUsage';
import { OpenedRuns } from './OpenedRuns';

const mb = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GB` : `${(n / 2 ** 20).toFixed(1)} MB`;

const STATUS_TEXT: Record<RunRecord['status'], string> = {
  running: 'running',
  interrupted: 'interrupted',
  paused: 'paused',
  stopped: 'stopped',
  finished: 'finished',
  failed: 'failed',
};

/** Storage used of the origin's quota, with a warning from 80 %. */
function StorageGauge({ s, blobs }: { s: StorageUsage | null; blobs: string }) {
  const where = blobs ? ` · checkpoint files in ${blobs}` : '';
  if (!s)
    return (
      <div className="muted" data-testid="storage">
        Storage use: not reported by this browser{where}.
      </div>
    );
  const pct = Math.min(100, (100 * s.usage) / s.quota);
  return (
    <div className="storage" data-testid="storage">
      <div>
        Storage: {mb(s.usage)} of {mb(s.quota)} ({pct.toFixed(pct < 1 ? 2 : 0)}%){where}
      </div>
      <div className="progress-bar" aria-hidden>
        <div style={{ width: `${pct}%` }} className={s.warn ? 'bar-warn' : undefined} />
      </div>
      {s.warn && (
        <div className="warn-box" data-testid="storage-warning">
          Browser storage is nearly full: export and delete old runs, or new checkpoints may not
          fit.
        </div>
      )}
    </div>
  );
}

/** The name, renamed in place: click to edit, Enter or leaving the field saves, Escape cancels. */
function RunName({ run }: { run: RunRecord }) {
  const [draft, setDraft] = useState<string | null>(null);
  if (draft === null)
    return (
      <button
        className="link run-name"
        data-testid="run-name"
        title="Rename"
        onClick={() => setDraft(run.name)}
      >
        {run.name}
      </button>
    );
  const commit = () => {
    if (draft.trim() && draft.trim() !== run.name) renameSavedRun(run.id, draft);
    setDraft(null);
  };
  return (
    <input
      data-testid="run-name-input"
      aria-label="Run name"
      value={draft}
      autoFocus
      maxLength={200}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') setDraft(null);
      }}
    />
  );
}

function RunRow({ run, current }: { run: RunRecord; current: boolean }) {
  const cp = run.checkpoint;
  const t = run.trajectories;
  const done = run.status === 'finished' && run.step >= run.totalSteps;
  return (
    <tr
      data-testid="saved-run"
      data-run-id={run.id}
      data-status={run.status}
      data-step={run.step}
      data-checkpoint={cp?.step ?? ''}
    >
      <td>
        <RunName run={run} />
        {current && <span className="tag">current</span>}
        {run.origin === 'import' && <span className="tag">imported</span>}
      </td>
      <td data-label="Status">
        <span className={`run-status status-${run.status}`} data-testid="saved-run-status">
          {STATUS_TEXT[run.status]}
        </span>
        {run.status === 'interrupted' && (
          <div className="muted">at its checkpoint, step {cp?.step ?? 0}</div>
        )}
      </td>
      <td data-testid="saved-run-step" data-label="Step">
        {run.step} / {run.totalSteps}
        <div className="muted">
          {cp ? `checkpoint: step ${cp.step}` : 'no checkpoint yet'}
          {t.dropped > 0 &&
            ` · trajectories of the last ${t.steps} steps (${t.dropped} older dropped)`}
        </div>
      </td>
      <td className="muted" data-label="Created">
        {new Date(run.createdAt).toLocaleString()}
        {run.backend && <div>{run.backend}</div>}
      </td>
      <td className="run-actions">
        <button
          data-testid="run-resume"
          disabled={current || done}
          title={
            done
              ? 'Finished: raise rl.steps in a duplicate to train further'
              : cp
                ? `Continue from step ${cp.step}`
                : 'No checkpoint yet: starts over'
          }
          onClick={() => resumeSavedRun(run.id)}
        >
          Resume
        </button>
        <button data-testid="run-duplicate" onClick={() => duplicateRunConfig(run.config)}>
          Duplicate config
        </button>
        <button data-testid="run-export" onClick={() => exportSavedRun(run.id)}>
          Export
        </button>
        <button
          data-testid="run-export-verl"
          title="A folder for verl: the run's data, a reward function, GRPO and ThinkTuning scripts, MAPPING.md"
          onClick={() => void exportRunAsVerlJob(run.config, run.name)}
        >
          Export as verl job
        </button>
        <button
          data-testid="run-delete"
          disabled={current}
          onClick={() => {
            if (
              confirm(
                `Delete "${run.name}" with its metrics and checkpoint? This cannot be undone.`,
              )
            )
              deleteSavedRun(run.id);
          }}
        >
          Delete
        </button>
      </td>
    </tr>
  );
}

/** Saved runs: resume, rename, duplicate the config, export, delete, import; storage use. */
export function RunList() {
  const runs = useLab((s) => s.libraryRuns);
  const storage = useLab((s) => s.storage);
  const blobStore = useLab((s) => s.blobStore);
  const currentRunId = useLab((s) => s.currentRunId);
  const progress = useLab((s) => s.progress);
  const active = runActive(progress.status);
  const file = useRef<HTMLInputElement>(null);
  return (
    <section className="panel run-list" data-testid="run-list">
      <div className="row">
        <h2>Saved runs</h2>
        <button data-testid="run-import" onClick={() => file.current?.click()}>
          Import…
        </button>
        <input
          ref={file}
          type="file"
          accept=".zip,application/zip"
          data-testid="run-import-file"
          hidden
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void importRunFile(f);
          }}
        />
      </div>
      <StorageGauge s={storage} blobs={blobStore} />
      {runs.length === 0 ? (
        <p className="muted">
          No saved runs yet. Every run is saved as it trains (a checkpoint every rl.checkpointEvery
          steps and when paused or stopped) and survives a reload.
        </p>
      ) : (
        <table className="runs-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Step</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => {
              const current = active && r.id === currentRunId;
              return (
                <RunRow key={r.id} run={liveRunRecord(r, progress, current)} current={current} />
              );
            })}
          </tbody>
        </table>
      )}
      <OpenedRuns />
    </section>
  );
}
