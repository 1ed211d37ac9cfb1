/** "Run the paper's comparison": the button, its budget, per-arm progress and the table. */
import { useMemo } from 'react';
import { comparisonBudget, describeBudget } from '../../contract/budget';
import { METHOD_LABELS, METHODS } from '../../contract/resultsTable';
import { configProblem, runActive } from '../../state/actions';
import { startComparison, stopComparison } from '../../state/compareActions';
import { useLab } from '../../state/labStore';
import type { ComparisonState } from '../../state/slices';
import { ResultsTable } from './ResultsTable';
import { pct } from './format';

/** Per arm: waiting, training k / N, evaluating, or its held-out accuracy once done. */
function ArmChips({ c }: { c: ComparisonState }) {
  const p = c.progress;
  const arms = ['warm-up' as const, ...METHODS];
  return (
    <div className="arm-chips" data-testid="arm-progress">
      {arms.map((m) => {
        const row = m === 'warm-up' ? undefined : c.rows.find((r) => r.method === m);
        const current = p?.method === m && c.status === 'running';
        const done = row !== undefined || (m === 'warm-up' && p !== null && p.method !== 'warm-up');
        const text = row
          ? pct(row.overall)
          : current && p
            ? p.phase === 'eval'
              ? `evaluating ${p.step}/${p.total}`
              : `${p.step}/${p.total}`
            : done
              ? 'done'
              : '—';
        return (
          <span
            key={m}
            className={`arm-chip${current ? ' current' : ''}${done ? ' done' : ''}`}
            data-testid={`arm-${m}`}
          >
            {m === 'warm-up' ? 'Warm-up' : METHOD_LABELS[m]} <strong>{text}</strong>
          </span>
        );
      })}
    </div>
  );
}

function comparisonStatus(c: ComparisonState): string {
  const p = c.progress;
  if (c.status !== 'running' || !p) return '';
  const what = p.method === 'warm-up' ? 'warm-up (SFT)' : METHOD_LABELS[p.method];
  const unit = p.phase === 'eval' ? 'evaluating' : 'training';
  return `${what}: ${unit} ${p.step} / ${p.total} · ${p.methodsDone} of ${p.methodsTotal} methods done`;
}

/** "Run the paper's comparison": the button, its budget, progress and table. */
export function Experiments() {
  const ready = useLab((s) => s.backend !== null);
  const config = useLab((s) => s.config);
  const lab = useLab((s) => s.progress.status);
  const c = useLab((s) => s.comparison);
  const problem = useMemo(() => configProblem(config), [config]);
  // The running (or last) comparison's budget, else the one the edited config would get.
  const shown = c.config ?? (problem ? null : config);
  const budget = useMemo(
    () => (shown ? describeBudget(comparisonBudget(shown), shown) : []),
    [shown],
  );
  const running = c.status === 'running';
  const blocked = runActive(lab);
  const p = c.progress;
  const within = !p ? 0 : p.phase === 'eval' ? 1 : p.total ? p.step / p.total : 0;
  const fraction = p ? (p.methodsDone + within) / p.methodsTotal : 0;
  return (
    <div className="experiments" data-testid="experiments">
      <div className="row">
        <button
          data-testid="compare-start"
          className="primary"
          disabled={!ready || running || blocked || problem !== null}
          title={
            blocked ? 'Stop the training run first: both need the CPU/GPU.' : (problem ?? undefined)
          }
          onClick={() => startComparison()}
        >
          Run the paper's comparison
        </button>
        <button data-testid="compare-stop" disabled={!running} onClick={stopComparison}>
          Stop
        </button>
        <span className={`run-status status-${c.status}`} data-testid="compare-status">
          {c.status}
        </span>
        <span data-testid="compare-progress">{comparisonStatus(c)}</span>
      </div>
      {c.status !== 'idle' && <ArmChips c={c} />}
      {running && (
        <div className="progress-bar" aria-hidden>
          <div style={{ width: `${Math.round(Math.min(1, fraction) * 100)}%` }} />
        </div>
      )}
      <details className="budget">
        <summary className="muted">
          Zero-shot, SFT, STaR, GRPO and ThinkTuning from one warm-up, same seed and data, equal
          budget{c.config ? '' : ' (the config above)'}:
        </summary>
        <ul className="small">
          {(c.budgetText.length ? c.budgetText : budget).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </details>
      {c.rows.length > 0 && (
        <ResultsTable
          rows={c.rows}
          sources={c.sources.length ? c.sources : Object.keys(c.rows[0].accuracy)}
        />
      )}
      {c.status === 'stopped' && (
        <div className="muted small">Stopped early: only the rows above finished.</div>
      )}
      {c.seconds !== null && (
        <div className="muted small">
          Greedy accuracy on {c.rows[0]?.questions ?? 0} held-out questions; took{' '}
          {c.seconds.toFixed(0)} s.
        </div>
      )}
    </div>
  );
}
