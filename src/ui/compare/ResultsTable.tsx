/** The experiments table in the paper's shape. */
import type { ResultsRow } from '../../contract/resultsTable';
import { num, pct } from './format';

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
