import { useEffect, useMemo } from 'react';
import { historyByStep, type RolloutHit, type Tri } from '../contract/rolloutSearch';
import { useLab } from '../state/labStore';
import {
  effectiveSource,
  openInInspector,
  runSearch,
  setSearchQuery,
  setSearchSource,
  showQuestionHistory,
} from '../state/searchActions';
import { useSearch } from '../state/searchStore';

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');

function TriSelect({
  label,
  value,
  onChange,
  yes,
  no,
  id,
}: {
  label: string;
  value: Tri;
  onChange: (v: Tri) => void;
  yes: string;
  no: string;
  id: string;
}) {
  return (
    <label>
      {label}{' '}
      <select data-testid={id} value={value} onChange={(e) => onChange(e.target.value as Tri)}>
        <option value="any">any</option>
        <option value="yes">{yes}</option>
        <option value="no">{no}</option>
      </select>
    </label>
  );
}

function HitRow({ h, onOpen }: { h: RolloutHit; onOpen: () => void }) {
  return (
    <li
      className="search-hit"
      data-testid="search-hit"
      data-step={h.step}
      data-group={h.group}
      data-r={h.index}
    >
      <button className="link" data-testid="search-open" onClick={onOpen}>
        step {h.step} · Q{h.group + 1} · #{h.index + 1}
      </button>{' '}
      <span>R {f2(h.reward)}</span> <span>A {f2(h.advantage)}</span>{' '}
      <span className={`b ${h.correct ? 'b-correct' : 'b-wrong'}`}>
        {h.correct ? 'correct' : 'wrong'}
      </span>
      {h.guided && <span className="b b-guided">guided</span>}
      {h.truncated && <span className="b b-trunc">truncated</span>}{' '}
      <button
        className="link"
        data-testid="search-history"
        onClick={() => showQuestionHistory(h.itemId)}
      >
        this question over steps
      </button>
      <div className="muted small search-snippet">{h.snippet}</div>
    </li>
  );
}

/** One question's rollouts, one column per kept step: its answers as the run goes on. */
function QuestionHistory({ hits, open }: { hits: RolloutHit[]; open: (h: RolloutHit) => void }) {
  const cols = useMemo(() => historyByStep(hits), [hits]);
  const first = hits[0];
  if (!first) return null;
  return (
    <div data-testid="question-history">
      <p>
        <strong>{first.question}</strong> <span className="muted">(answer: {first.answer})</span>{' '}
        <button className="link" onClick={() => showQuestionHistory(null)}>
          back to results
        </button>
      </p>
      <div className="history-cols">
        {cols.map((c) => (
          <div key={c.step} className="history-col" data-testid="history-col" data-step={c.step}>
            <div className="muted small">step {c.step}</div>
            {c.hits.map((h) => (
              <button
                key={h.index}
                className={`history-cell ${h.correct ? 'pos' : 'neg'}`}
                onClick={() => open(h)}
                title={h.snippet}
              >
                #{h.index + 1} R {f2(h.reward)}
                {h.guided ? ' · g' : ''}
                <span className="small">{h.snippet}</span>
              </button>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

/** Searches the kept trajectories of the live run or a saved run; hits open in the inspector. */
export function RolloutSearch() {
  const q = useSearch((s) => s.query);
  const chosen = useSearch((s) => s.source);
  const result = useSearch((s) => s.result);
  const answered = useSearch((s) => s.answered);
  const historyItem = useSearch((s) => s.historyItem);
  const run = useLab((s) => s.run);
  const runs = useLab((s) => s.libraryRuns);
  const step = useLab((s) => s.progress.step);
  const source = effectiveSource(chosen, { run, libraryRuns: runs });
  const sourceKey = source ? (source.kind === 'live' ? 'live' : source.runId) : '';
  // Searches again as the query changes (debounced) and after each live step.
  useEffect(() => {
    const t = setTimeout(runSearch, 200);
    return () => clearTimeout(t);
  }, [q, sourceKey, step, historyItem]);
  const open = (h: RolloutHit) => answered && openInInspector(answered.source, h);
  const num = (v: string) => (v.trim() === '' ? null : Number(v));
  return (
    <section
      className="panel rollout-search"
      data-testid="rollout-search"
      aria-label="Rollout search"
    >
      <div className="row">
        <h2>Rollout search</h2>
        <label>
          in{' '}
          <select
            data-testid="search-source"
            value={sourceKey}
            onChange={(e) =>
              setSearchSource(
                e.target.value === 'live'
                  ? { kind: 'live' }
                  : { kind: 'saved', runId: e.target.value },
              )
            }
          >
            {run !== null && <option value="live">this run (kept in the worker)</option>}
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                saved: {r.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row search-fields">
        <label>
          text{' '}
          <input
            data-testid="search-text"
            value={q.text}
            onChange={(e) => setSearchQuery({ text: e.target.value })}
          />
        </label>
        <label>
          question{' '}
          <input
            data-testid="search-question"
            value={q.question}
            onChange={(e) => setSearchQuery({ question: e.target.value })}
          />
        </label>
        <label>
          reward ≥{' '}
          <input
            data-testid="search-min-reward"
            type="number"
            step={0.1}
            value={q.minReward ?? ''}
            onChange={(e) => setSearchQuery({ minReward: num(e.target.value) })}
          />
        </label>
        <label>
          ≤{' '}
          <input
            data-testid="search-max-reward"
            type="number"
            step={0.1}
            value={q.maxReward ?? ''}
            onChange={(e) => setSearchQuery({ maxReward: num(e.target.value) })}
          />
        </label>
        <TriSelect
          id="search-correct"
          label="correct"
          value={q.correct}
          yes="correct"
          no="wrong"
          onChange={(v) => setSearchQuery({ correct: v })}
        />
        <TriSelect
          id="search-guided"
          label="guided"
          value={q.guided}
          yes="guided"
          no="unguided"
          onChange={(v) => setSearchQuery({ guided: v })}
        />
        <TriSelect
          id="search-truncated"
          label="truncated"
          value={q.truncated}
          yes="truncated"
          no="finished"
          onChange={(v) => setSearchQuery({ truncated: v })}
        />
      </div>
      {!source ? (
        <p className="muted">Kept rollouts can be searched once a run has a step.</p>
      ) : !result ? (
        <p className="muted">Searching…</p>
      ) : historyItem && answered?.query.itemId === historyItem ? (
        <QuestionHistory hits={result.hits} open={open} />
      ) : (
        <>
          <p className="muted small">
            <span data-testid="search-count">{result.total}</span> rollout
            {result.total === 1 ? '' : 's'} match in {result.steps.length} kept step
            {result.steps.length === 1 ? '' : 's'}
            {result.hits.length < result.total ? ` (first ${result.hits.length} listed)` : ''}.
          </p>
          <ul className="search-hits">
            {result.hits.map((h) => (
              <HitRow key={`${h.step}-${h.group}-${h.index}`} h={h} onOpen={() => open(h)} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
