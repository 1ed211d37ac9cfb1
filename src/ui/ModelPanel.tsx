import { useState } from 'react';
import { useLab } from '../state/labStore';
import type { WorkerClient } from '../state/workerClient';
import { PretrainedPanel } from './PretrainedPanel';

/** The student's shape, and loading weights (model.safetensors + tokenizer.json) from disk. */
export function ModelPanel({ client }: { client: WorkerClient | null }) {
  const model = useLab((s) => s.model);
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
  return (
    <section className="panel model-panel">
      <h2>Student model</h2>
      {model ? (
        <table className="kv" data-testid="model-summary">
          <tbody>
            <tr>
              <td>origin</td>
              <td>{model.origin}</td>
            </tr>
            <tr>
              <td>parameters</td>
              <td>{model.parameters.toLocaleString()}</td>
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
