import { memo, useEffect, useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { comparisonBudget, describeBudget } from '../contract/budget';
import { METHOD_LABELS, METHODS, type ResultsRow } from '../contract/resultsTable';
import { configProblem, runActive } from '../state/actions';
import {
  loadStoredMetrics,
  setCompareSelection,
  startComparison,
  stopComparison,
  toggleCompareRun,
} from '../state/compareActions';
import { compareCandidates } from '../state/compareRuns';
import { useLab } from '../state/labStore';
import type { ComparisonState } from '../state/slices';
import { tick } from './Charts';
import {
  COMPARE_CHARTS,
  defaultPairing,
  hasMetric,
  overlayRows,
  runColor,
  summarizeRun,
  type CompareChartDef,
  type RunForCompare,
} from './compareData';

const pct = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(1)}%`;
const num = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(1);

/** The runs to offer and the selection (the default pairing until the user picks). */
function useCompareRuns(): { runs: RunForCompare[]; selected: RunForCompare[] } {
  const savedRuns = useLab((s) => s.savedRuns);
  const libraryRuns = useLab((s) => s.libraryRuns);
  const storedMetrics = useLab((s) => s.storedMetrics);
  const currentRunId = useLab((s) => s.currentRunId);
  const run = useLab((s) => s.run);
  const runConfig = useLab((s) => s.runConfig);
  const history = useLab((s) => s.history);
  const runStartedAt = useLab((s) => s.runStartedAt);
  const selection = useLab((s) => s.compareSelection);
  const picked = useMemo(() => {
    const runs = compareCandidates({
      savedRuns,
      libraryRuns,
      storedMetrics,
      run,
      runConfig,
      history,
      runStartedAt,
      currentRunId,
    });
    const ids = selection ?? defaultPairing(runs);
    const selected = ids.flatMap((id) => runs.filter((r) => r.id === id));
    return { runs, selected };
  }, [
    savedRuns,
    libraryRuns,
    storedMetrics,
    run,
    runConfig,
    history,
    runStartedAt,
    currentRunId,
    selection,
  ]);
  // Saved runs' metrics are read from the run store when they are shown.
  const toLoad = picked.selected
    .filter((r) => r.origin === 'stored' && !(r.id in storedMetrics))
    .map((r) => r.id)
    .join(',');
  useEffect(() => {
    if (toLoad) void loadStoredMetrics(toLoad.split(','));
  }, [toLoad]);
  return picked;
}

/** One metric, one line per selected run that reports it. */
const OverlayChart = memo(function OverlayChart({
  def,
  runs,
  smoothing,
}: {
  def: CompareChartDef;
  runs: RunForCompare[];
  smoothing: number;
}) {
  const rows = useMemo(() => overlayRows(def.metric, runs, smoothing), [def, runs, smoothing]);
  const drawn = runs
    .map((r, i) => ({ r, color: runColor(i) }))
    .filter(({ r }) => hasMetric(r, def.metric));
  return (
    <div className="chart" data-testid={`compare-chart-${def.id}`} data-series={drawn.length}>
      <div className="chart-title">{def.title}</div>
      <ResponsiveContainer width="100%" height={150}>
        <LineChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid stroke="#1f2937" strokeDasharray="3 3" />
          <XAxis dataKey="step" tick={{ fontSize: 10, fill: '#9ca3af' }} stroke="#374151" />
          <YAxis
            domain={def.domain ?? ['auto', 'auto']}
            tick={{ fontSize: 10, fill: '#9ca3af' }}
            stroke="#374151"
            width={48}
            tickFormatter={(v: number) => tick(v, def.percent)}
          />
          <Tooltip
            isAnimationActive={false}
            contentStyle={{ background: '#0b1220', border: '1px solid #374151', fontSize: 11 }}
            formatter={(v) =>
              typeof v === 'number' ? (def.percent ? pct(v) : v.toFixed(3)) : String(v)
            }
          />
          {drawn.map(({ r, color }) => (
            <Line
              key={r.id}
              dataKey={r.id}
              name={r.name}
              stroke={color}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
});

/** The experiments table in the paper's shape (rates in percent). */
export function ResultsTable({ rows, sources }: { rows: ResultsRow[]; sources: string[] }) {
  const best = (get: (r: ResultsRow) => number) => Math.max(...rows.map(get));
  return (
    <div className="table-scroll">
      <table className="results" data-testid="results-table">
        <thead>
          <tr>
            <th>Method</th>
            {sources.map((s) => (
              <th key={s}>{s} accuracy</th>
            ))}
            {sources.length > 1 && <th>all</th>}
            <th>mean length</th>
            <th>format</th>
            <th>catchphrase</th>
            <th>reflection</th>
            <th>train time</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.method} data-testid="results-row">
              <td>{r.label}</td>
              {sources.map((s) => {
                const v = r.accuracy[s] ?? 0;
                const top = v > 0 && v === best((x) => x.accuracy[s] ?? 0);
                return (
                  <td key={s} className={top ? 'best' : undefined}>
                    {pct(v)}
                  </td>
                );
              })}
              {sources.length > 1 && <td>{pct(r.overall)}</td>}
              <td>{num(r.meanTokens)}</td>
              <td>{pct(r.formatRate)}</td>
              <td>{pct(r.catchphraseRate)}</td>
              <td>{pct(r.reflectionRate)}</td>
              <td>{r.trainSeconds.toFixed(0)} s</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

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
function Experiments() {
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

const LAST10 = "Mean over the run's last 10 training steps";

/** Selected runs side by side: held-out accuracy (comparison arms) and the last steps' means. */
function SelectedTable({ runs }: { runs: RunForCompare[] }) {
  return (
    <div className="table-scroll">
      <table className="results" data-testid="selected-table">
        <thead>
          <tr>
            <th>Run</th>
            <th title="Greedy accuracy on the held-out questions (comparison arms of this page)">
              held-out
            </th>
            <th title={LAST10}>accuracy*</th>
            <th title={LAST10}>length*</th>
            <th title={LAST10}>catchphrase*</th>
            <th title={LAST10}>reflection*</th>
            <th>steps</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r, i) => {
            const s = summarizeRun(r);
            return (
              <tr key={r.id}>
                <td>
                  <span className="swatch" style={{ background: runColor(i) }} /> {r.name}
                </td>
                <td>{pct(r.results?.overall)}</td>
                <td>{pct(s.accuracy)}</td>
                <td>{num(s.meanLength)}</td>
                <td>{pct(s.catchphraseRate)}</td>
                <td>{pct(s.reflectionRate)}</td>
                <td>{s.steps}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="muted small">* mean over the run's last 10 training steps.</div>
    </div>
  );
}

/** Compare runs: the paper's comparison, a run picker and the overlaid charts. */
export function CompareView() {
  const { runs, selected } = useCompareRuns();
  const smoothing = useLab((s) => s.smoothing);
  const ids = selected.map((r) => r.id);
  return (
    <section className="panel compare" data-testid="compare-view">
      <div className="row charts-head">
        <h2>Compare runs</h2>
        {runs.length > 0 && (
          <button className="small-btn" onClick={() => setCompareSelection(defaultPairing(runs))}>
            Default pairing (GRPO vs ThinkTuning, same seed)
          </button>
        )}
      </div>
      <Experiments />
      {runs.length === 0 ? (
        <p className="muted">
          No runs yet: train one (or two, GRPO then ThinkTuning) or run the comparison above.
        </p>
      ) : (
        <>
          <div className="compare-runs" data-testid="compare-runs">
            {runs.map((r) => {
              const i = ids.indexOf(r.id);
              return (
                <label key={r.id} className="compare-run" data-testid="compare-run">
                  <input
                    type="checkbox"
                    checked={i >= 0}
                    onChange={() => toggleCompareRun(r.id, ids)}
                  />
                  {i >= 0 && <span className="swatch" style={{ background: runColor(i) }} />}
                  {r.name} <span className="muted">({r.steps} steps)</span>
                </label>
              );
            })}
          </div>
          {selected.length < 2 && (
            <p className="muted" data-testid="compare-hint">
              Pick two or more runs to overlay.
            </p>
          )}
          {selected.length > 0 && (
            <>
              <div className="chart-legend compare-legend">
                {selected.map((r, i) => (
                  <span key={r.id} data-testid="compare-legend-item">
                    <span className="legend-line" style={{ borderColor: runColor(i) }} />
                    {r.name}
                  </span>
                ))}
              </div>
              <div className="charts-grid">
                {COMPARE_CHARTS.map((d) => (
                  <OverlayChart key={d.id} def={d} runs={selected} smoothing={smoothing} />
                ))}
              </div>
              <SelectedTable runs={selected} />
            </>
          )}
        </>
      )}
    </section>
  );
}
