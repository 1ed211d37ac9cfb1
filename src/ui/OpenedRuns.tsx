import { useRef } from 'react';
import {
  closeOpenedRun,
  inspectOpenedRun,
  openRunFiles,
  useOpenedRuns,
  type OpenedRun,
} from '../state/openedRuns';
import './imported.css';

const FORMAT_TEXT = { verl: 'verl dump', trl: 'TRL completions', lab: 'lab trajectories' } as const;

function OpenedRow({ o, active }: { o: OpenedRun; active: boolean }) {
  const r = o.run;
  return (
    <tr data-testid="opened-run" data-format={r.format} data-rollouts={r.rollouts}>
      <td>
        <strong>{r.name}</strong> <span className="tag">read-only</span>
        <span className="tag">{FORMAT_TEXT[r.format]}</span>
        {active && <span className="tag">inspected</span>}
      </td>
      <td data-testid="opened-run-counts">
        {r.rollouts.toLocaleString('en-US')} rollouts
        <div className="muted">
          {r.groups.length.toLocaleString('en-US')} groups · {r.steps.length} steps · {r.fileCount}{' '}
          files
        </div>
      </td>
      <td
        className="muted"
        data-testid="opened-run-load"
        data-load-ms={Math.round(o.loadMs)}
        data-heap-mb={o.heapMb?.toFixed(1) ?? ''}
      >
        read in {(o.loadMs / 1000).toFixed(2)} s
        {o.heapMb !== null && <div>{o.heapMb.toFixed(0)} MB of JS heap</div>}
        {(r.bytes / 2 ** 20).toFixed(1)} MB of files
      </td>
      <td>
        {r.problemCount > 0 ? (
          <span className="warn-text" data-testid="opened-run-problems">
            {r.problemCount} unreadable line{r.problemCount === 1 ? '' : 's'}
          </span>
        ) : (
          <span className="muted">no problems</span>
        )}
      </td>
      <td className="run-actions">
        <button
          data-testid="opened-run-inspect"
          disabled={active}
          onClick={() => inspectOpenedRun(o.id)}
        >
          Inspect
        </button>
        <button data-testid="opened-run-close" onClick={() => closeOpenedRun(o.id)}>
          Close
        </button>
      </td>
    </tr>
  );
}

/** Big runs from verl or TRL (or a lab run folder), opened read-only from a folder on disk. */
export function OpenedRuns() {
  const runs = useOpenedRuns((s) => s.runs);
  const active = useOpenedRuns((s) => s.active);
  const loading = useOpenedRuns((s) => s.loading);
  const error = useOpenedRuns((s) => s.error);
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="opened-runs" data-testid="opened-runs">
      <div className="row">
        <h3>Opened runs (read-only)</h3>
        <button
          data-testid="open-run"
          disabled={loading !== null}
          onClick={() => input.current?.click()}
        >
          Open verl / TRL run…
        </button>
        <input
          ref={(el) => {
            input.current = el;
            el?.setAttribute('webkitdirectory', '');
          }}
          type="file"
          multiple
          hidden
          data-testid="open-run-folder"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length) void openRunFiles(files);
          }}
        />
      </div>
      <p className="muted">
        A folder: verl’s <code>trainer.rollout_data_dir</code> (<code>&lt;step&gt;.jsonl</code>), a
        TRL output or <code>completions/</code> folder (
        <code>completions_&lt;step&gt;.parquet</code>), or a lab run folder (
        <code>trajectories.jsonl</code>). Read in this tab; the files never leave your disk and are
        read again when a group is shown, so reopen them after a reload.
      </p>
      {loading && (
        <div data-testid="open-run-progress" className="muted">
          Reading {loading.name}: file {loading.filesDone} of {loading.files},{' '}
          {loading.rollouts.toLocaleString('en-US')} rollouts so far…
        </div>
      )}
      {error && (
        <div className="warn-box" data-testid="open-run-error">
          {error}
        </div>
      )}
      {runs.length > 0 && (
        <table className="runs-table">
          <tbody>
            {runs.map((o) => (
              <OpenedRow key={o.id} o={o} active={o.id === active} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
