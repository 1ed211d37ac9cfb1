import { useMemo } from 'react';
import {
  ALARM_TITLES,
  DEFAULT_ALARM_SETTINGS,
  detectAlarms,
  type AlarmSettings,
  type MetricsRow,
} from '../contract/alarms';
import { resetAlarmSettings, setAlarmSetting, useAlarmSettings } from '../state/alarmStore';
import { useLab } from '../state/labStore';
import { chartHistory, previewRun } from '../state/savedRunView';
import { openInInspector } from '../state/searchActions';

const FIELDS: Array<{ key: keyof AlarmSettings; label: string; step: number }> = [
  { key: 'entropyFraction', label: 'entropy ≤ fraction of start', step: 0.05 },
  { key: 'truncationShare', label: 'truncated share ≥', step: 0.05 },
  { key: 'zeroSpreadShare', label: 'zero-spread groups ≥', step: 0.05 },
  { key: 'clipRatio', label: 'clip ratio ≥', step: 0.05 },
  { key: 'kl', label: 'KL ≥', step: 0.05 },
  { key: 'rewardRise', label: 'reward rise ≥', step: 0.05 },
  { key: 'evalDrop', label: 'held-out accuracy drop ≥', step: 0.01 },
  { key: 'teacherFailures', label: 'teacher failures per step ≥', step: 1 },
  { key: 'minSteps', label: 'steps in a row (entropy, length, spread)', step: 1 },
];

/** The steps an alarm links to: all of a range up to 8 steps, else its first, middle and last. */
function linkSteps(from: number, to: number): number[] {
  if (to - from < 8) return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return [from, Math.round((from + to) / 2), to];
}

/** Alarm thresholds (persisted in this browser). */
function AlarmSettingsForm() {
  const s = useAlarmSettings();
  return (
    <details className="alarm-settings" data-testid="alarm-settings">
      <summary>Thresholds</summary>
      <div className="alarm-fields">
        {FIELDS.map((f) => (
          <label key={f.key}>
            {f.label}{' '}
            <input
              type="number"
              min={0}
              step={f.step}
              value={s[f.key]}
              data-testid={`alarm-${f.key}`}
              onChange={(e) => setAlarmSetting(f.key, Number(e.target.value))}
              title={`default ${DEFAULT_ALARM_SETTINGS[f.key]}`}
            />
          </label>
        ))}
        <button onClick={resetAlarmSettings}>Defaults</button>
      </div>
    </details>
  );
}

/**
 * Live alarms over the charted metrics (the live run's, or the saved run shown after a reload):
 * each names its steps, links them to the inspector and says what it usually means.
 */
export function AlarmsPanel() {
  const rows = useLab(chartHistory);
  const run = useLab((s) => s.run);
  const preview = useLab(previewRun);
  const settings = useAlarmSettings();
  // A metrics row as it arrived: each present name to its number (StepMetrics' absent names are absent).
  const alarms = useMemo(
    () => detectAlarms(rows as readonly MetricsRow[], settings),
    [rows, settings],
  );
  const open = (step: number) => {
    const group = useLab.getState().inspectGroup;
    if (run !== null) openInInspector({ kind: 'live' }, { step, group });
    else if (preview) openInInspector({ kind: 'saved', runId: preview.id }, { step, group });
  };
  return (
    <section className="panel alarms" aria-label="Live alarms" data-testid="alarms">
      <div className="row">
        <h2>Alarms</h2>
        <span className="muted small" data-testid="alarm-count">
          {alarms.length === 0
            ? `none over ${rows.length} step${rows.length === 1 ? '' : 's'}`
            : `${alarms.length} over ${rows.length} steps`}
        </span>
      </div>
      <ul className="alarm-list">
        {alarms.map((a) => (
          <li
            key={`${a.kind}-${a.from}`}
            className="alarm"
            data-testid="alarm"
            data-kind={a.kind}
            data-from={a.from}
            data-to={a.to}
            role="alert"
          >
            <strong>{ALARM_TITLES[a.kind]}</strong>{' '}
            <span data-testid="alarm-range">
              {a.from === a.to ? `step ${a.from}` : `steps ${a.from}–${a.to}`}
            </span>
            : {a.detail}.{' '}
            <span className="alarm-links">
              inspect
              {linkSteps(a.from, a.to).map((s) => (
                <button
                  key={s}
                  className="link"
                  data-testid="alarm-step"
                  data-step={s}
                  onClick={() => open(s)}
                >
                  {s}
                </button>
              ))}
            </span>
            <div className="muted small">{a.meaning}</div>
          </li>
        ))}
      </ul>
      <AlarmSettingsForm />
    </section>
  );
}
