import { runActive } from '../state/actions';
import { useLab } from '../state/labStore';
import type { MetricName, StepMetrics } from '../contract/metrics';

/** The run's faults so far, from its step metrics (TRL-style names, see loop/stepGuards.ts). */
export interface FaultSummary {
  /** Teacher calls that failed, by kind (summed over the run). */
  teacherFailures: Record<string, number>;
  /** Rollouts left unguided without a call while the circuit was open. */
  teacherSkipped: number;
  /** The circuit's state after the latest step. */
  circuitOpen: boolean;
  /** Updates skipped for a non-finite loss or gradient. */
  nonFiniteSkipped: number;
  /** Steps whose weights went non-finite and were put back. */
  weightsRestored: number;
}

const KIND_PREFIX = 'thinktuning/teacher_failures/';
const CIRCUIT_OPEN: MetricName = 'thinktuning/teacher_circuit_open';

/** Sums a run's fault metrics (pure; unit-tested). */
export function summarizeFaults(history: ReadonlyArray<Partial<StepMetrics>>): FaultSummary {
  const s: FaultSummary = {
    teacherFailures: {},
    teacherSkipped: 0,
    circuitOpen: false,
    nonFiniteSkipped: 0,
    weightsRestored: 0,
  };
  for (const m of history) {
    for (const [k, v] of Object.entries(m)) {
      if (k.startsWith(KIND_PREFIX) && v! > 0) {
        const kind = k.slice(KIND_PREFIX.length);
        s.teacherFailures[kind] = (s.teacherFailures[kind] ?? 0) + v!;
      }
    }
    s.teacherSkipped += m['thinktuning/teacher_skipped'] ?? 0;
    s.nonFiniteSkipped += m['numerics/nonfinite_skipped'] ?? 0;
    s.weightsRestored += m['numerics/weights_restored'] ?? 0;
  }
  s.circuitOpen = (history.at(-1)?.['thinktuning/teacher_circuit_open'] ?? 0) > 0;
  return s;
}

/**
 * The circuit's line: live while the run trains; once it has ended, what it was at the end (a
 * run that is over calls no teacher, so "paused" would say something about now that is false).
 */
export function circuitText(circuitOpen: boolean, active: boolean): string {
  if (active) return circuitOpen ? 'paused (circuit open)' : 'on';
  return circuitOpen ? 'off, run ended (the circuit was open at its last step)' : 'off, run ended';
}

/** A compact row of the run's faults: teacher failures by kind, the circuit, NaN/Inf steps. */
export function FaultPanel() {
  const history = useLab((s) => s.history);
  const halted = useLab((s) => s.halted);
  const active = useLab((s) => runActive(s.progress.status));
  if (history.length === 0 && !halted) return null;
  const f = summarizeFaults(history);
  const kinds = Object.entries(f.teacherFailures);
  const teacherUsed = history.some((m) => CIRCUIT_OPEN in m);
  const quiet =
    kinds.length === 0 && f.teacherSkipped === 0 && !f.circuitOpen && f.nonFiniteSkipped === 0;
  if (quiet && f.weightsRestored === 0 && !halted) return null;
  return (
    <section className="panel fault-panel" data-testid="fault-panel">
      {halted && (
        <div className="fault-halted" role="alert" data-testid="run-halted">
          Paused at step {halted.step}: {halted.message}
        </div>
      )}
      <div className="fault-row">
        {teacherUsed && (
          <span data-testid="teacher-circuit">
            Teacher calls:{' '}
            <strong className={f.circuitOpen && active ? 'bad' : active ? 'good' : 'muted'}>
              {circuitText(f.circuitOpen, active)}
            </strong>
            {f.teacherSkipped > 0 ? ` · ${f.teacherSkipped} skipped while paused` : ''}
          </span>
        )}
        {kinds.length > 0 && (
          <span data-testid="fault-kinds">
            Failures: {kinds.map(([k, n]) => `${k} ${n}`).join(' · ')}
          </span>
        )}
        {(f.nonFiniteSkipped > 0 || f.weightsRestored > 0) && (
          <span data-testid="fault-numerics">
            NaN/Inf: {f.nonFiniteSkipped} update(s) skipped
            {f.weightsRestored > 0 ? `, weights put back ${f.weightsRestored}×` : ''}
          </span>
        )}
      </div>
    </section>
  );
}
