import { setCompareSelection, toggleCompareRun } from '../state/compareActions';
import { useLab } from '../state/labStore';
import { Experiments } from './compare/Experiments';
import { OverlayChart } from './compare/OverlayChart';
import { SelectedTable } from './compare/SelectedTable';
import { useCompareRuns } from './compare/useCompareRuns';
import { COMPARE_CHARTS, defaultPairing, runColor } from './compareData';

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
