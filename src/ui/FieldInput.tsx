import { useState } from 'react';
import { setConfigValue } from '../state/actions';
import { useLab } from '../state/labStore';
import { formatValue, optionLabel, parseInput, rangeText, type FieldSpec } from './configFields';

function valueAt(config: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], config);
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * One config field: input by kind, range, help, an inline message while the input is invalid
 * (the store keeps the last valid value), and whether a change applies live or needs a restart.
 */
export function FieldInput({ spec }: { spec: FieldSpec }) {
  const value = useLab((s) => valueAt(s.config, spec.path));
  // Narrow: only this field's value in the running run (a string, so equality is cheap).
  const runValue = useLab((s) =>
    s.runConfig ? JSON.stringify(valueAt(s.runConfig, spec.path)) : null,
  );
  const active = useLab((s) => s.progress.status === 'running' || s.progress.status === 'paused');
  const [raw, setRaw] = useState(() => formatValue(spec.kind, value));
  const [seen, setSeen] = useState(value);
  const [error, setError] = useState<string | null>(null);
  if (!same(seen, value)) {
    // The value changed elsewhere (preset, URL): show it.
    setSeen(value);
    setRaw(formatValue(spec.kind, value));
    setError(null);
  }
  const commit = (input: string | boolean | string[]) => {
    const r = parseInput(spec, input);
    if (r.ok) {
      setError(null);
      setSeen(r.value);
      setConfigValue(spec.path, r.value);
    } else setError(r.message);
  };
  const differs = active && runValue !== null && runValue !== JSON.stringify(value);
  const k = spec.kind;
  const id = `field-${spec.path}`;
  let input;
  switch (k.kind) {
    case 'boolean':
      input = (
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => commit(e.target.checked)}
        />
      );
      break;
    case 'enum':
      input = (
        <select id={id} value={String(value ?? '')} onChange={(e) => commit(e.target.value)}>
          {k.options.map((o) => (
            <option key={o} value={o}>
              {optionLabel(spec.path, o)}
            </option>
          ))}
        </select>
      );
      break;
    case 'enum-list': {
      const chosen = (value as string[] | undefined) ?? [];
      input = (
        <span className="checks" id={id}>
          {k.options.map((o) => (
            <label key={o}>
              <input
                type="checkbox"
                checked={chosen.includes(o)}
                onChange={(e) =>
                  commit(e.target.checked ? [...chosen, o] : chosen.filter((x) => x !== o))
                }
              />
              {o}
            </label>
          ))}
          {k.optional && chosen.length === 0 && <span className="muted">(all)</span>}
        </span>
      );
      break;
    }
    default:
      input = (
        <input
          id={id}
          type="text"
          inputMode={k.kind === 'number' ? 'decimal' : undefined}
          className={error ? 'invalid' : undefined}
          value={raw}
          placeholder={k.kind === 'number' && k.nullable ? 'off' : undefined}
          aria-invalid={error !== null}
          onChange={(e) => {
            setRaw(e.target.value);
            commit(e.target.value);
          }}
        />
      );
  }
  return (
    <div className={`field${differs ? ' field-changed' : ''}`} data-testid={`field-${spec.path}`}>
      <label htmlFor={id} className="field-label" title={spec.help}>
        {spec.key}
        <span
          className={`tag ${spec.live ? 'tag-live' : 'tag-restart'}`}
          title={
            spec.live
              ? 'Live: a running run takes the change from its next step'
              : 'Restart: a running run keeps its value until you start again'
          }
        >
          {spec.live ? 'live' : 'restart'}
        </span>
      </label>
      <div className="field-input">{input}</div>
      <div className="field-help">
        {spec.help}
        {rangeText(k) && <span className="range"> · {rangeText(k)}</span>}
      </div>
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
      {differs && !spec.live && (
        <div className="field-note">Changed: restart the run to apply.</div>
      )}
    </div>
  );
}
