import { useEffect, useMemo, useRef, useState } from 'react';
import type { RolloutDetail } from '../contract/importedRun';
import type { OpenedRunIndex } from '../session/protocol';
import { useLab } from '../state/labStore';
import {
  closeOpenedRun,
  readOpenedGroup,
  useOpenedRuns,
  type OpenedRun,
} from '../state/openedRuns';
import { scaleExtent, tokenValue } from './tokenColor';
import { TokenView } from './TokenView';
import { VirtualList } from './VirtualList';
import { previewOf } from './promptPreview';
import './imported.css';

const num = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const ROW = 30;

/** What the format holds per completion: present values, and why the others are absent. */
function Facts({ run }: { run: OpenedRunIndex }) {
  const f = run.facts;
  const has = (ok: boolean, label: string) => (
    <span
      className={`b ${ok ? 'b-correct' : 'b-absent'}`}
      data-testid={`fact-${label}`}
      data-present={ok}
    >
      {label} {ok ? '✓' : 'absent'}
    </span>
  );
  return (
    <div className="imported-facts" data-testid="imported-facts">
      <div className="badges">
        {has(true, 'text')}
        {has(f.reward, 'reward')}
        {has(f.advantage, 'advantage')}
        {has(f.groundTruth, 'ground truth')}
        {has(f.perToken, 'per-token values')}
        {run.componentNames.length > 0 && (
          <span className="muted"> · per completion also: {run.componentNames.join(', ')}</span>
        )}
      </div>
      {f.absent.length > 0 && (
        <ul className="muted imported-absent">
          {f.absent.map((a) => (
            <li key={a}>{a}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Problems({ run }: { run: OpenedRunIndex }) {
  if (run.problemCount === 0) return null;
  return (
    <details className="warn-box" data-testid="imported-problems" open>
      <summary>
        {run.problemCount} line{run.problemCount === 1 ? '' : 's'} could not be read; the rest
        loaded
      </summary>
      <ul>
        {run.problems.map((p, i) => (
          <li key={i} data-testid="imported-problem">
            {p.file}
            {p.line ? ` line ${p.line}` : ''}: {p.message}
          </li>
        ))}
        {run.problemCount > run.problems.length && (
          <li>… and {run.problemCount - run.problems.length} more</li>
        )}
      </ul>
    </details>
  );
}

function RolloutCard({ d, k, run }: { d: RolloutDetail; k: number; run: OpenedRunIndex }) {
  const palette = useLab((s) => s.palette);
  const extent = useMemo(
    () =>
      d.trajectory ? scaleExtent(d.trajectory.tokens.map((t) => tokenValue(t, 'advantage'))) : 1,
    [d],
  );
  const adv = run.facts.advantage ? num(d.advantage) : 'absent';
  return (
    <div className="rollout" data-testid="imported-rollout">
      <div className="rollout-head">
        <strong>#{k + 1}</strong>
        <span title="reward">R {num(d.reward, 2)}</span>
        <span
          title={run.facts.advantage ? 'advantage' : 'this format holds no advantage'}
          className={Number.isNaN(d.advantage) ? 'muted' : d.advantage >= 0 ? 'pos' : 'neg'}
          data-testid="imported-advantage"
        >
          A {adv}
        </span>
        {Object.keys(d.components).length > 0 && (
          <span className="muted">
            {Object.entries(d.components)
              .map(([name, v]) => `${name} ${num(v, 2)}`)
              .join(' · ')}
          </span>
        )}
      </div>
      {Object.keys(d.extra).length > 0 && (
        <div className="muted">
          {Object.entries(d.extra)
            .map(([k2, v]) => `${k2}: ${v}`)
            .join(' · ')}
        </div>
      )}
      {d.trajectory ? (
        <TokenView
          trajectory={d.trajectory}
          rollout={k}
          mode="advantage"
          extent={extent}
          palette={palette}
        />
      ) : (
        <div className="imported-text" data-testid="imported-text">
          {d.completion}
        </div>
      )}
    </div>
  );
}

/** The opened run's groups (virtualised) and the completions of the chosen one. */
export function ImportedInspector() {
  const runs = useOpenedRuns((s) => s.runs);
  const active = useOpenedRuns((s) => s.active);
  const opened = runs.find((r) => r.id === active);
  return opened ? <InspectorBody key={opened.id} opened={opened} /> : null;
}

function InspectorBody({ opened }: { opened: OpenedRun }) {
  const run = opened.run;
  const [step, setStep] = useState<number | 'all'>('all');
  const [group, setGroup] = useState(0);
  const [details, setDetails] = useState<{ group: number; rollouts: RolloutDetail[] } | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const panel = useRef<HTMLElement>(null);
  const preview = useMemo(() => previewOf(run.groups.map((x) => x.prompt)), [run]);

  // Opening or choosing a run brings its inspector into view.
  useEffect(() => panel.current?.scrollIntoView({ block: 'start' }), []);

  const visible = useMemo(() => {
    const all = run.groups.map((_, i) => i);
    return step === 'all' ? all : all.filter((i) => run.groups[i].step === step);
  }, [run, step]);

  useEffect(() => {
    if (!run.groups[group]) return;
    let live = true;
    readOpenedGroup(opened.id, group).then(
      (rollouts) => live && (setDetails({ group, rollouts }), setReadError(null)),
      (e: Error) => live && setReadError(e.message),
    );
    return () => {
      live = false;
    };
  }, [opened.id, run, group]);

  const g = run.groups[group];
  const shown = details?.group === group ? details.rollouts : [];
  return (
    <section className="panel inspector imported" data-testid="imported-inspector" ref={panel}>
      <div className="row inspector-head">
        <h2>
          Trajectories · {run.name} <span className="tag">read-only</span>
        </h2>
        <label>
          Step{' '}
          <select
            data-testid="imported-step"
            value={step}
            onChange={(e) => {
              const s = e.target.value === 'all' ? 'all' : Number(e.target.value);
              setStep(s);
              const first = run.groups.findIndex((x) => s === 'all' || x.step === s);
              if (first >= 0) setGroup(first);
            }}
          >
            <option value="all">all ({run.steps.length})</option>
            {run.steps.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="imported-summary">
          {run.rollouts.toLocaleString('en-US')} rollouts ·{' '}
          {run.groups.length.toLocaleString('en-US')} groups · read in{' '}
          {(opened.loadMs / 1000).toFixed(2)} s
          {run.duplicates > 0 &&
            ` · ${run.duplicates.toLocaleString('en-US')} repeated rows skipped`}
        </span>
        <button data-testid="imported-close" onClick={() => closeOpenedRun(opened.id)}>
          Close
        </button>
      </div>
      <Facts run={run} />
      <Problems run={run} />
      <div className="imported-body">
        <VirtualList
          testId="imported-groups"
          count={visible.length}
          rowHeight={ROW}
          height={420}
          row={(i) => {
            const gi = visible[i];
            const x = run.groups[gi];
            return (
              <button
                className={`imported-group${gi === group ? ' selected' : ''}`}
                data-testid="imported-group"
                data-group={gi}
                onClick={() => setGroup(gi)}
                title={x.prompt}
              >
                <span className="muted">
                  s{x.step} Q{x.index + 1}
                </span>{' '}
                <span>{x.count}×</span> <span>R̄ {num(x.meanReward, 2)}</span>{' '}
                <span className="muted">{preview(x.prompt)}</span>
              </button>
            );
          }}
        />
        <div className="imported-group-view">
          {g && (
            <div className="question" data-testid="imported-question">
              <strong>
                step {g.step}, Q{g.index + 1}
              </strong>{' '}
              {g.groundTruth !== null && <span className="muted">(answer: {g.groundTruth}) </span>}
              <div className="imported-prompt">{g.prompt}</div>
            </div>
          )}
          {readError && <div className="warn-box">{readError}</div>}
          <div
            className="rollouts"
            style={{
              gridTemplateColumns: 'repeat(auto-fill, minmax(240px, 1fr))',
            }}
          >
            {shown.map((d, k) => (
              <RolloutCard key={d.rollout} d={d} k={k} run={run} />
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}
