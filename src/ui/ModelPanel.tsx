import { useEffect, useMemo, useState } from 'react';
import type { ModelSummary } from '../session/protocol';
import { runActive } from '../state/actions';
import { useLab } from '../state/labStore';
import { plannedStudent, studentPlanKey, type PlannedStudent } from '../state/plannedStudent';
import type { WorkerClient } from '../state/workerClient';
import { PretrainedPanel } from './PretrainedPanel';

/** A student's shape, as one table: the next run's (planned) or the loaded model. */
interface ShapeRow {
  kind: 'next-run' | 'loaded';
  caption?: string;
  origin: string;
  parameters: string;
  layers: number;
  dModel: number;
  heads: number;
  context: number;
  tokenizer: string;
}

function ShapeTable({ r }: { r: ShapeRow }) {
  const rows: Array<[string, string]> = [
    ['origin', r.origin],
    ['parameters', r.parameters],
    ['layers × d', `${r.layers} × ${r.dModel} (${r.heads} heads)`],
    ['context', String(r.context)],
    ['tokenizer', r.tokenizer],
  ];
  return (
    <table className="kv" data-testid="model-summary" data-kind={r.kind}>
      {r.caption && <caption className="muted small">{r.caption}</caption>}
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <td>{k}</td>
            <td data-testid={k === 'parameters' ? 'model-parameters' : undefined}>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The next run's student, from the config (the worker's model is a placeholder until Start). */
function plannedRow(p: PlannedStudent, preset: string): ShapeRow {
  return {
    kind: 'next-run',
    caption: `Next run (${preset} preset and settings)`,
    origin: p.origin,
    parameters:
      p.parameters !== null
        ? p.parameters.toLocaleString()
        : `${p.parametersWithoutVocab.toLocaleString()} + ${p.dModel} per vocabulary entry`,
    layers: p.layers,
    dModel: p.dModel,
    heads: p.heads,
    context: p.context,
    tokenizer: `${p.tokenizer}, ${p.vocab !== null ? `${p.vocab} tokens` : "the data's characters"}`,
  };
}

function loadedRow(m: ModelSummary): ShapeRow {
  return {
    kind: 'loaded',
    origin: m.origin,
    parameters: m.parameters.toLocaleString(),
    layers: m.layers,
    dModel: m.dModel,
    heads: m.heads,
    context: m.context,
    tokenizer: `${m.tokenizer}, ${m.vocab} tokens`,
  };
}

/**
 * The student's shape, and loading weights (model.safetensors + tokenizer.json) from disk.
 * While no run trains it shows the student the next run will build from the preset and
 * settings (plannedStudent.ts), with a line for the model loaded in the worker now (the one
 * sampling uses); during a run, the run's student.
 */
export function ModelPanel({ client }: { client: WorkerClient | null }) {
  const model = useLab((s) => s.model);
  const config = useLab((s) => s.config);
  const preset = useLab((s) => s.preset);
  const active = useLab((s) => runActive(s.progress.status));
  const planKey = useMemo(() => studentPlanKey(config), [config]);
  const counted = useLab((s) => s.plannedVocab[planKey]);
  const planned = useMemo(() => plannedStudent(config, counted), [config, counted]);
  // A char tokenizer's vocabulary is the data's characters: the worker counts them once.
  const ask = planned !== null && planned.vocab === null && counted === undefined;
  useEffect(() => {
    if (ask && client) client.planStudent(useLab.getState().config, planKey);
  }, [ask, client, planKey]);
  const [files, setFiles] = useState<FileList | null>(null);
  const [message, setMessage] = useState('');
  const load = async () => {
    const list = Array.from(files ?? []);
    const weights = list.find((f) => f.name.endsWith('.safetensors'));
    const tok = list.find((f) => f.name.endsWith('.json'));
    if (!weights || !tok) {
      setMessage('Choose two files: the weights (.safetensors) and their tokenizer.json.');
      return;
    }
    setMessage('');
    client?.loadModel(await weights.arrayBuffer(), await tok.text());
  };
  const showPlanned = planned !== null && !active;
  return (
    <section className="panel model-panel">
      <h2>Student model</h2>
      {showPlanned ? (
        <>
          <ShapeTable r={plannedRow(planned, preset)} />
          {model && (
            <p className="muted small" data-testid="model-loaded">
              In the worker now (sampling uses it): {model.origin},{' '}
              {model.parameters.toLocaleString()} parameters, {model.layers} × {model.dModel}.
            </p>
          )}
        </>
      ) : model ? (
        <ShapeTable r={loadedRow(model)} />
      ) : (
        <p className="muted">Starting the worker…</p>
      )}
      <h3>Load weights</h3>
      <input
        type="file"
        multiple
        accept=".safetensors,.json"
        onChange={(e) => setFiles(e.target.files)}
      />
      <button disabled={!client} onClick={() => void load()}>
        Load
      </button>
      {message && <p className="warn">{message}</p>}
      <PretrainedPanel />
    </section>
  );
}
