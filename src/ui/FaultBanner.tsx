import { runActive } from '../state/actions';
import { useLab } from '../state/labStore';
import { restartChoices, restartWorker } from '../state/recovery';

/** Shown when the worker failed (crash, unreadable message, lost GPU): restart buttons. */
export function FaultBanner() {
  const fault = useLab((s) => s.workerFault);
  const runId = useLab((s) => s.currentRunId);
  const training = useLab((s) => runActive(s.progress.status));
  if (!fault) return null;
  const restore = !training
    ? 'The charts stay as they are.'
    : runId !== null
      ? 'The run resumes from its last saved checkpoint; its charts are kept.'
      : 'Runs cannot be saved in this browser (no IndexedDB), so the run cannot resume: start it again.';
  return (
    <div className="fault-banner" role="alert" data-testid="worker-fault">
      <strong>{fault.kind === 'device-lost' ? 'GPU device lost.' : 'The trainer stopped.'}</strong>{' '}
      <span data-testid="worker-fault-message">{fault.message}</span> {restore}
      <div className="row">
        {restartChoices(fault.backend).map((b) => (
          <button key={b} data-testid={`restart-${b}`} onClick={() => restartWorker(b)}>
            Restart on {b}
          </button>
        ))}
      </div>
    </div>
  );
}
