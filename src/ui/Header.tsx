import { BACKENDS } from '../engine/backend/types';
import { useLab } from '../state/labStore';

/** Title bar with the backend badge and a backend switch (reloads with ?backend=). */
export function Header() {
  const backend = useLab((s) => s.backend);
  const adapter = useLab((s) => s.adapter);
  const reason = useLab((s) => s.backendReason);
  const status = useLab((s) => s.status);
  const probeMs = useLab((s) => s.probeMs);
  const current = new URLSearchParams(location.search).get('backend') ?? 'auto';
  return (
    <header className="header">
      <div className="brand">
        <span className="logo">◆</span> ThinkTuning Lab
      </div>
      <div className="header-right">
        <span
          className={`badge badge-${backend ?? 'none'}`}
          data-testid="backend"
          data-probe-ms={probeMs ?? undefined}
          title={probeMs === null ? reason : `${reason} Speed probe: ${probeMs.toFixed(1)} ms.`}
        >
          {backend ?? (status === 'failed' ? 'failed' : 'starting…')}
        </span>
        {adapter && (
          <span className="adapter" data-testid="adapter">
            GPU: {adapter.vendor || '?'} / {adapter.architecture || '?'}
            {adapter.isSoftware ? ' (software)' : ''}
          </span>
        )}
        <label className="backend-select">
          Backend{' '}
          <select
            value={current}
            onChange={(e) => {
              const url = new URL(location.href);
              if (e.target.value === 'auto') url.searchParams.delete('backend');
              else url.searchParams.set('backend', e.target.value);
              location.href = url.toString();
            }}
          >
            <option value="auto">auto</option>
            {BACKENDS.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
      </div>
    </header>
  );
}
