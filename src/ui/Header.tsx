import { BACKENDS } from '../contract/backend';
import { setPalette, setProjector } from '../state/actions';
import { useLab } from '../state/labStore';
import { PALETTES, type Palette } from '../state/slices';
import { PALETTE_LABELS } from './tokenColor';

/** Projector mode and the token palette: how the page looks, kept on this browser. */
function DisplayControls() {
  const projector = useLab((s) => s.projector);
  const palette = useLab((s) => s.palette);
  return (
    <div className="display-controls">
      <button
        data-testid="projector-toggle"
        className={`toggle${projector ? ' on' : ''}`}
        aria-pressed={projector}
        title="Large type, high contrast and bigger charts, for a projector"
        onClick={() => setProjector(!projector)}
      >
        Projector
      </button>
      <label className="palette-select">
        <span>Colours</span>
        <select
          data-testid="palette"
          value={palette}
          onChange={(e) => setPalette(e.target.value as Palette)}
        >
          {PALETTES.map((p) => (
            <option key={p} value={p}>
              {PALETTE_LABELS[p]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** Title bar with the backend badge, a backend switch (reloads with ?backend=) and the display. */
export function Header() {
  const backend = useLab((s) => s.backend);
  const adapter = useLab((s) => s.adapter);
  const reason = useLab((s) => s.backendReason);
  const threads = useLab((s) => s.backendThreads);
  const status = useLab((s) => s.status);
  const probeMs = useLab((s) => s.probeMs);
  const current = new URLSearchParams(location.search).get('backend') ?? 'auto';
  return (
    <header className="header">
      <div className="brand">
        <span className="logo" aria-hidden>
          ◆
        </span>{' '}
        ThinkTuning Lab
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
        {backend === 'wasm' && threads !== null && (
          <span className="adapter" data-testid="backend-threads" title={reason}>
            {threads === 1 ? '1 thread' : `${threads} threads`}
          </span>
        )}
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
        <DisplayControls />
      </div>
    </header>
  );
}
