import {
  STAGE_EXPLAIN,
  STAGE_TITLES,
  STAGES,
  type StageRollout,
  type StageSummary,
} from '../contract/stages';
import { useLab } from '../state/labStore';
import { nextStage, setStageMode, stepThrough } from '../state/stageActions';
import { useStages } from '../state/stageStore';

const f3 = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));

/** The columns a stage fills (a later stage shows more of each rollout). */
function RolloutTable({ rows }: { rows: StageRollout[] }) {
  const has = (k: keyof StageRollout) => rows.some((r) => r[k] !== undefined);
  return (
    <table className="stage-rollouts" data-testid="stage-rollouts">
      <thead>
        <tr>
          <th>Q</th>
          <th>#</th>
          <th>response</th>
          <th>tok</th>
          {has('reward') && <th>reward</th>}
          {has('selected') && <th>selected</th>}
          {has('teacher') && <th>teacher</th>}
          {has('offPolicyTokens') && <th>teacher tok</th>}
          {has('advantage') && <th>A</th>}
          {has('inLoss') && <th>in loss</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr
            key={`${r.group}-${r.index}`}
            data-testid="stage-rollout"
            data-group={r.group}
            data-r={r.index}
            data-reward={r.reward}
            data-adv={r.advantage}
            className={r.guided ? 'rollout-guided' : ''}
          >
            <td>Q{r.group + 1}</td>
            <td>{r.index + 1}</td>
            <td className="stage-text">
              {r.text}
              {!r.finished && !r.guided && <span className="b b-trunc">truncated</span>}
              {r.guided && <span className="b b-guided">guided</span>}
            </td>
            <td>{r.tokens}</td>
            {has('reward') && (
              <td>
                {r.reward !== undefined ? f3(r.reward) : ''}
                {r.correct !== undefined && (
                  <span className={`b ${r.correct ? 'b-correct' : 'b-wrong'}`}>
                    {r.correct ? '✓' : '✗'}
                  </span>
                )}
              </td>
            )}
            {has('selected') && <td>{r.selected ? 'yes' : ''}</td>}
            {has('teacher') && <td className="stage-text">{r.teacher ?? ''}</td>}
            {has('offPolicyTokens') && <td>{r.offPolicyTokens || ''}</td>}
            {has('advantage') && (
              <td className={(r.advantage ?? 0) >= 0 ? 'pos' : 'neg'} data-testid="stage-adv">
                {r.advantage !== undefined ? r.advantage.toFixed(3) : ''}
              </td>
            )}
            {has('inLoss') && <td>{r.inLoss ? 'yes' : 'no'}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function StageView({ s }: { s: StageSummary }) {
  return (
    <div className="stage" data-testid="stage" data-stage={s.stage} data-step={s.step}>
      <h3>
        Step {s.step} · {STAGE_TITLES[s.stage]}
      </h3>
      <p className="muted">{STAGE_EXPLAIN[s.stage]}</p>
      {s.notes.map((n, i) => (
        <p key={i} className="small" data-testid="stage-note">
          {n}
        </p>
      ))}
      {Object.keys(s.numbers).length > 0 && (
        <table className="kv" data-testid="stage-numbers">
          <tbody>
            {Object.entries(s.numbers).map(([k, v]) => (
              <tr key={k} data-key={k}>
                <td>{k}</td>
                <td>{f3(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {s.groups && (
        <table className="kv" data-testid="stage-groups">
          <thead>
            <tr>
              <th>Q</th>
              <th>mean r</th>
              <th>std r</th>
            </tr>
          </thead>
          <tbody>
            {s.groups.map((g) => (
              <tr key={g.group} data-testid="stage-group" data-mean={g.mean} data-std={g.std}>
                <td title={g.question}>Q{g.group + 1}</td>
                <td>{g.mean.toFixed(3)}</td>
                <td>{g.std.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {s.rollouts.length > 0 && <RolloutTable rows={s.rollouts} />}
    </div>
  );
}

/**
 * Step-through mode: one RL step as its eight stages, pausing after each with its data, for a
 * lecture. "Step through" runs the next step so (starting a paused run when none is active).
 */
export function StagePanel() {
  const on = useStages((s) => s.on);
  const stages = useStages((s) => s.stages);
  const waiting = useStages((s) => s.waiting);
  const status = useLab((s) => s.progress.status);
  const current = stages[stages.length - 1];
  const between = useLab((s) => s.progress.waiting);
  const busy = (status === 'running' || status === 'paused') && !between;
  return (
    <section className="panel stage-panel" data-testid="stage-panel" aria-label="Step-through mode">
      <div className="row">
        <h2>Step through</h2>
        <label>
          <input
            type="checkbox"
            data-testid="stage-mode"
            checked={on}
            onChange={(e) => setStageMode(e.target.checked)}
          />{' '}
          pause after each stage
        </label>
        <button
          data-testid="stage-step"
          onClick={stepThrough}
          disabled={on && busy && stages.length > 0 && stages.length < STAGES.length}
        >
          Step through one step
        </button>
        <button data-testid="stage-next" onClick={nextStage} disabled={!waiting}>
          Next stage ▸
        </button>
      </div>
      {on && (
        <ol className="stage-strip" aria-label="Stages">
          {STAGES.map((name, i) => (
            <li
              key={name}
              className={
                current?.index === i
                  ? 'stage-current'
                  : stages.some((s) => s.index === i)
                    ? 'stage-done'
                    : ''
              }
            >
              {STAGE_TITLES[name]}
            </li>
          ))}
        </ol>
      )}
      {current ? (
        <StageView s={current} />
      ) : (
        on && <p className="muted">“Step through one step” runs the next RL step stage by stage.</p>
      )}
    </section>
  );
}
