import { useEffect, useMemo, useState } from 'react';
import type { ModelSummary } from '../session/protocol';
import { runActive } from '../state/actions';
import { useLab } from '../state/labStore';
import { plannedStudent, studentPlanKey, type PlannedStudent } from '../state/plannedStudent';
import type { WorkerClient } from '../state/workerClient';
import { PretrainedPanel } from './PretrainedPanel';

/** The next run's student, from the config (the worker's model is a placeholder until Start). */
function PlannedTable({ p, preset }: { p: PlannedStudent; preset: string }) {
  return (
    <table className="kv" data-testid="model-summary" data-kind="next-run">
      <caption className="muted small">Next run ({preset} preset and settings)</caption>
      <tbody>
        <tr>
          <td>origin</td>
          <td>{p.origin}</td>
        </tr>
        <tr>
          <td>parameters</td>
          <td data-testid="model-parameters">
            {p.parameters !== null
              ? p.parameters.toLocaleString()
              : `${p.parametersWithoutVocab.toLocaleString()} + ${p.dModel} per vocabulary entry`}
          </td>
        </tr>
        <tr>
          <td>layers × d</td>
          <td>
            {p.layers} × {p.dModel} ({p.heads} heads)
          </td>
        </tr>
        <tr>
          <td>context</td>
          <td>{p.context}</td>
        </tr>
        <tr>
          <td>tokenizer</td>
          <td>
            {p.tokenizer}, {p.vocab !== null ? `${p.vocab} tokens` : "the data's characters"}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

function LoadedTable({ model }: { model: ModelSummary }) {
  return (
    <table className="kv" data-testid="model-summary" data-kind="loaded">
      <tbody>
        <tr>
          <td>origin</td>
          <td>{model.origin}</td>
        </tr>
        <tr>
          <td>parameters</td>
          <td data-testid="model-parameters">{model.parameters.toLocaleString()}</td>
        </tr>
        <tr>
          <td>layers × d</td>
          <td>
            {model.layers} × {model.dModel} ({model.heads} heads)
          </td>
        </tr>
        <tr>
          <td>context</td>
          <td>{model.context}</td>
        </tr>
        <tr>
          <td>tokenizer</td>
          <td>
            {model.tokenizer}, {model.vocab} tokens
          </td>
        </tr>
      </tbody>
    </table>
  );
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
          <PlannedTable p={planned} preset={preset} />
          {model && (
            <p className="muted small" data-testid="model-loaded">
              In the worker now (sampling uses it): {model.origin},{' '}
              {model.parameters.toLocaleString()} parameters, {model.layers} × {model.dModel}.
            </p>
          )}
        </>
      ) : model ? (
        <LoadedTable model={model} />
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
