/** Selected runs side by side: held-out accuracy and the last steps' means. */
import { runColor, summarizeRun, type RunForCompare } from '../compareData';
import { num, pct } from './format';

const LAST10 = "Mean over the run's last 10 training steps";

/** Selected runs side by side: held-out accuracy (comparison arms) and the last steps' means. */
export function SelectedTable({ runs }: { runs: RunForCompare[] }) {
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
