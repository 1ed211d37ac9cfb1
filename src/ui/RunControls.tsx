import { OPTIONAL_DEFAULTS } from '../contract/configDefaults';
import { useMemo, useState } from 'react';
import { PRESET_NAMES, presetConfig } from '../contract/presets';
import { formatDuration } from '../contract/presetTimings';
import { asksBeforeStart, presetEstimates, runEstimate } from '../state/estimates';
import { changedFields, isLiveField } from '../contract/liveConfig';
import {
  configProblem,
  pauseRun,
  resumeRun,
  resumeSavedRun,
  setConfigValue,
  setPreset,
  startRun,
  stepRun,
  stopRun,
} from '../state/actions';
import { useLab } from '../state/labStore';
import { resumableRun } from '../state/savedRunView';
import type { RunProgress } from '../session/protocol';
import type { RunRecord } from '../contract/runRecord';
import { runStatusView } from './runStatus';

function eta(p: RunProgress): string {
  if (p.etaSeconds === null) return '—';
  const s = Math.round(p.etaSeconds);
  const text =
    s >= 3600
      ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
      : s >= 60
        ? `${Math.floor(s / 60)} min ${s % 60} s`
        : `${s} s`;
  return p.etaCoversRl ? text : `${text} (warm-up)`;
}

const PHASE_TEXT: Record<NonNullable<RunProgress['phase']>, string> = {
  preparing: 'preparing data and student',
  'warm-up': 'warm-up (SFT)',
  rollout: 'rollout',
  teacher: 'teacher',
  update: 'update',
  evaluating: 'held-out evaluation',
};

/** What the teacher phase waits for, in words. */
export function teacherWaitText(w: NonNullable<RunProgress['teacherWait']>): string {
  const deadline = w.deadlineMs > 0 ? `; unguided after ${Math.round(w.deadlineMs / 1000)} s` : '';
  return `${w.teacher}: ${w.pending} of ${w.total} call(s) pending, ${w.answered} answered, ${w.failed} failed${deadline}`;
}

/**
 * The pause slot: Pause while the run computes, Resume when it is paused, and, when this page
 * runs nothing, Resume for the newest saved run that can continue (after a reload, the
 * interrupted one), so the button never shows where it cannot act.
 */
function PauseResume({
  ready,
  paused,
  canPause,
  saved,
}: {
  ready: boolean;
  paused: boolean;
  canPause: boolean;
  saved: RunRecord | null;
}) {
  if (paused)
    return (
      <button data-testid="resume" title="Resume (Space)" onClick={resumeRun}>
        Resume
      </button>
    );
  if (saved)
    return (
      <button
        data-testid="resume"
        disabled={!ready}
        title={`Continue "${saved.name}" from its checkpoint at step ${saved.checkpoint?.step ?? 0}`}
        onClick={() => resumeSavedRun(saved.id)}
      >
        Resume
      </button>
    );
  return (
    <button
      data-testid="pause"
      disabled={!canPause}
      title="Pause after this step (Space)"
      onClick={pauseRun}
    >
      Pause
    </button>
  );
}

/** Preset, algorithm, Start / Pause / Resume / Step once / Stop, and the run's progress. */
export function RunControls() {
  const ready = useLab((s) => s.backend !== null);
  const preset = useLab((s) => s.preset);
  const algo = useLab((s) => s.config.rl.algo);
  const config = useLab((s) => s.config);
  const runConfig = useLab((s) => s.runConfig);
  const p = useLab((s) => s.progress);
  const pending = useLab((s) => s.pendingControl);
  const problem = useMemo(() => configProblem(config), [config]);
  const presetNote = useLab((s) => s.presetNote);
  const backend = useLab((s) => s.backend);
  const adapter = useLab((s) => s.adapter);
  const probeMs = useLab((s) => s.probeMs);
  const perPreset = useMemo(
    () => presetEstimates(backend, adapter, probeMs),
    [backend, adapter, probeMs],
  );
  const estimate = useMemo(
    () => runEstimate(preset, config, backend, adapter, probeMs),
    [preset, config, backend, adapter, probeMs],
  );
  const [longRunAsked, setLongRunAsked] = useState(false);
  // The preset's shipped student (or the one chosen in the config), when the student is scratch.
  const shippedChoice =
    config.student.source === 'scratch'
      ? config.student.init || presetConfig(preset).student.init || null
      : null;
  const fastest = perPreset.fastest;
  const long = asksBeforeStart(preset, estimate.total, fastest);
  const start = () => {
    if (long && !longRunAsked) {
      setLongRunAsked(true);
      return;
    }
    setLongRunAsked(false);
    startRun(false);
  };
  const restartFields = useMemo(
    () => (runConfig ? changedFields(runConfig, config).filter((f) => !isLiveField(f)) : []),
    [runConfig, config],
  );
  const active = p.status === 'running' || p.status === 'paused' || p.status === 'stopping';
  const paused = p.status === 'paused';
  const stopping = p.status === 'stopping' || pending === 'stop';
  const view = runStatusView(p, pending);
  const saved = useLab((s) => resumableRun(s.libraryRuns, active));
  const total = p.totalSteps;
  const fraction =
    p.sftSteps + total > 0 ? (p.sftStep + p.step) / Math.max(1, p.sftSteps + total) : 0;
  return (
    <section
      className="panel run-controls"
      data-testid="run-controls"
      id="run-controls"
      aria-label="Run controls"
    >
      <div className="setup-row">
        <label className="stacked">
          <span>Preset</span>
          <select
            data-testid="preset"
            value={preset}
            disabled={active}
            onChange={(e) => setPreset(e.target.value)}
          >
            {PRESET_NAMES.map((n) => (
              <option key={n} value={n}>
                {perPreset.labels[n] ?? n}
              </option>
            ))}
          </select>
        </label>
        <label className="stacked">
          <span>Algorithm</span>
          <select
            data-testid="algo"
            value={algo}
            disabled={active}
            onChange={(e) => setConfigValue('rl.algo', e.target.value)}
          >
            <option value="grpo">GRPO</option>
            <option value="thinktuning">ThinkTuning</option>
          </select>
        </label>
        {shippedChoice && (
          <label
            className="stacked"
            title="A shipped warm-up student starts RL at once; from scratch, the run first trains its own warm-up (sft.*)"
          >
            <span>Start from</span>
            <select
              data-testid="student-init"
              value={config.student.init ?? OPTIONAL_DEFAULTS.student.init}
              disabled={active}
              onChange={(e) => setConfigValue('student.init', e.target.value)}
            >
              <option value={shippedChoice}>shipped warm-up student ({shippedChoice})</option>
              <option value="">warm-up from scratch ({config.sft.steps} SFT steps)</option>
            </select>
          </label>
        )}
        <a className="to-config" href="#config">
          All settings ↓
        </a>
      </div>
      <div className="action-row" role="toolbar" aria-label="Start, pause, step, stop">
        <button
          data-testid="start"
          className="primary"
          disabled={!ready || problem !== null || stopping}
          title={problem ?? undefined}
          onClick={start}
        >
          {active ? 'Restart' : 'Start'}
        </button>
        <PauseResume
          ready={ready}
          paused={paused && pending !== 'step'}
          canPause={p.status === 'running' && pending === null}
          saved={saved}
        />
        <button
          data-testid="step-once"
          disabled={
            !ready || stopping || (active && !paused) || problem !== null || pending === 'step'
          }
          title="Run one step, then pause; an SFT step during warm-up (S)"
          onClick={stepRun}
        >
          Step once
        </button>
        <button
          data-testid="stop"
          className="danger"
          disabled={!active || stopping}
          title="Stop: cuts the rollout at its next token"
          onClick={stopRun}
        >
          Stop
        </button>
      </div>
      {presetNote && (
        <p className="muted small preset-note" data-testid="preset-note">
          {presetNote}
        </p>
      )}
      {!active && estimate.total !== null && (
        <p className="muted small" data-testid="run-estimate">
          Expected: about {formatDuration(estimate.total)} for this run
          {estimate.sftSteps > 0 ? ` (${estimate.sftSteps} warm-up steps first)` : ''}
          {estimate.rlStep !== null ? `, ${formatDuration(estimate.rlStep)} per RL step` : ''} on
          this tab.
        </p>
      )}
      {longRunAsked && long && !active && (
        <div className="warn-box" data-testid="long-run-warning" role="alert">
          This run would take about {formatDuration(estimate.total!)} on this tab
          {estimate.sftSteps > 0 ? `, most of it ${estimate.sftSteps} warm-up steps` : ''}.{' '}
          {fastest && fastest.preset !== preset
            ? `The ${fastest.preset} preset starts RL at once and takes about ${formatDuration(fastest.total)}. `
            : ''}
          {fastest && fastest.preset !== preset && (
            <button
              data-testid="switch-fast-preset"
              onClick={() => {
                setLongRunAsked(false);
                setPreset(fastest.preset);
              }}
            >
              Use {fastest.preset}
            </button>
          )}{' '}
          <button data-testid="start-anyway" onClick={start}>
            Start anyway
          </button>
        </div>
      )}
      <div className="progress-line" aria-live="polite">
        <span className={`run-status status-${view.word}`} data-testid="run-status">
          {view.word}
        </span>
        {view.ack && (
          <span className="run-ack" data-testid="run-ack">
            {view.ack}
          </span>
        )}
        <span>
          step <strong data-testid="step">{p.step}</strong> of {total}
        </span>
        {p.sftSteps > 0 && (
          <span className="muted">
            warm-up {p.sftStep} / {p.sftSteps}
          </span>
        )}
        <span data-testid="phase">
          phase:{' '}
          <strong>{p.waiting ? 'waiting (paused)' : p.phase ? PHASE_TEXT[p.phase] : '—'}</strong>
          {p.teacherWait && (
            <span data-testid="teacher-wait"> ({teacherWaitText(p.teacherWait)})</span>
          )}
        </span>
        <span>ETA {eta(p)}</span>
      </div>
      <div className="progress-bar" aria-hidden>
        <div style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      {active && restartFields.length > 0 && (
        <div className="warn-box" data-testid="restart-needed">
          Changed since this run started, applied at the next start: {restartFields.join(', ')}.{' '}
          <button onClick={() => startRun(false)}>Restart now</button>
        </div>
      )}
      <p className="muted small keys-help">
        Keys: <kbd>Space</kbd> pause / resume · <kbd>S</kbd> step once · in the trajectories{' '}
        <kbd>←</kbd> <kbd>→</kbd> rollout, <kbd>↑</kbd> <kbd>↓</kbd> step, <kbd>Enter</kbd> tokens
      </p>
    </section>
  );
}
