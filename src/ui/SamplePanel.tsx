import { useState } from 'react';
import { useLab } from '../state/labStore';
import type { WorkerClient } from '../state/workerClient';

/** Prompt box + Sample button: N completions from the current student, sampled in the worker. */
export function SamplePanel({ client }: { client: WorkerClient | null }) {
  const status = useLab((s) => s.status);
  const completions = useLab((s) => s.completions);
  const stats = useLab((s) => s.sampleStats);
  const training = useLab(
    (s) => s.progress.status === 'running' || s.progress.status === 'stopping',
  );
  const [prompt, setPrompt] = useState(
    'A tank contains 300 mL of solution. You remove half of it, then add 100 mL of water. How much liquid is in the tank now?',
  );
  const [n, setN] = useState(4);
  const [temperature, setTemperature] = useState(1);
  const [topP, setTopP] = useState(1);
  const [maxNewTokens, setMaxNewTokens] = useState(64);
  const [seed, setSeed] = useState(1);
  const ready = status === 'ready' && client !== null && !training;
  return (
    <section className="panel sample-panel">
      <h2>Sample from the student</h2>
      <textarea
        data-testid="prompt"
        value={prompt}
        onChange={(e) => setPrompt(e.target.value)}
        rows={3}
      />
      <div className="row">
        <label>
          N{' '}
          <input
            type="number"
            min={1}
            max={64}
            value={n}
            onChange={(e) => setN(Number(e.target.value))}
          />
        </label>
        <label>
          temperature{' '}
          <input
            type="number"
            step={0.1}
            min={0}
            max={5}
            value={temperature}
            onChange={(e) => setTemperature(Number(e.target.value))}
          />
        </label>
        <label>
          top-p{' '}
          <input
            type="number"
            step={0.05}
            min={0.01}
            max={1}
            value={topP}
            onChange={(e) => setTopP(Number(e.target.value))}
          />
        </label>
        <label>
          max tokens{' '}
          <input
            type="number"
            min={1}
            max={512}
            value={maxNewTokens}
            onChange={(e) => setMaxNewTokens(Number(e.target.value))}
          />
        </label>
        <label>
          seed{' '}
          <input type="number" value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
        </label>
        <button
          data-testid="sample"
          disabled={!ready}
          onClick={() => client?.sample({ prompt, n, maxNewTokens, temperature, topP, seed })}
        >
          {status === 'busy' ? 'Sampling…' : 'Sample'}
        </button>
      </div>
      {training && (
        <div className="muted small">Pause the run to sample from the student being trained.</div>
      )}
      {stats && (
        <div className="muted" data-testid="sample-stats">
          {completions.length} completions in {stats.ms.toFixed(0)} ms ·{' '}
          {stats.tokensPerSecond.toFixed(0)} tokens/s
        </div>
      )}
      <ol className="completions">
        {completions.map((c, i) => (
          <li key={i} data-testid="completion">
            <pre>{c.text}</pre>
            <span className="muted">
              {c.tokens} tokens · {c.finished ? 'ended with EOS' : 'hit the token limit'}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
