import { DEFAULT_FEW_SHOTS, type FewShot } from '../contract/teacherFewShots';
import { defaultPromptConfig } from '../contract/teacherPrompt';
import {
  setApiKey,
  setConfigValue,
  setPrompt,
  setRememberKey,
  testConnection,
} from '../state/actions';
import { useLab } from '../state/labStore';
import { configSections } from './configFields';
import { FieldInput } from './FieldInput';

/** OpenAI-compatible servers people run, with their usual local address. */
export const SERVER_PRESETS = [
  { name: 'Ollama', baseURL: 'http://127.0.0.1:11434/v1', model: 'llama3.2:3b' },
  { name: 'llama.cpp server', baseURL: 'http://127.0.0.1:8080/v1', model: 'default' },
  { name: 'vLLM', baseURL: 'http://127.0.0.1:8000/v1', model: 'Qwen/Qwen2.5-3B-Instruct' },
  { name: 'LM Studio', baseURL: 'http://127.0.0.1:1234/v1', model: 'local-model' },
  { name: 'OpenAI', baseURL: 'https://api.openai.com/v1', model: 'gpt-4o-mini' },
] as const;

const TEACHER_FIELDS = configSections().find((s) => s.id === 'teacher')!.fields;
const field = (key: string) => TEACHER_FIELDS.find((f) => f.key === key)!;
const MORE = [
  'temperature',
  'maxTokens',
  'retries',
  'concurrency',
  'logprobs',
  'concise',
  'circuitFailures',
  'circuitCooldownMs',
  'stepDeadlineMs',
].map(field);

function FewShotEditor() {
  const prompt = useLab((s) => s.prompt);
  const update = (i: number, patch: Partial<FewShot>) =>
    setPrompt({
      ...prompt,
      fewShots: prompt.fewShots.map((f, k) => (k === i ? { ...f, ...patch } : f)),
    });
  return (
    <details className="config-section">
      <summary>Prompt: system prompt and few-shots</summary>
      <label className="block">
        System prompt
        <textarea
          data-testid="system-prompt"
          rows={8}
          value={prompt.systemPrompt}
          onChange={(e) => setPrompt({ ...prompt, systemPrompt: e.target.value })}
        />
      </label>
      {prompt.fewShots.map((f, i) => (
        <fieldset key={i} className="few-shot">
          <legend>
            Few-shot {i + 1}
            {f.behavior ? ` (${f.behavior})` : ''}{' '}
            <button
              className="small-btn"
              onClick={() =>
                setPrompt({ ...prompt, fewShots: prompt.fewShots.filter((_, k) => k !== i) })
              }
            >
              remove
            </button>
          </legend>
          <label className="block">
            Question
            <textarea
              rows={2}
              value={f.question}
              onChange={(e) => update(i, { question: e.target.value })}
            />
          </label>
          <label className="block">
            Student response
            <textarea
              rows={2}
              value={f.response}
              onChange={(e) => update(i, { response: e.target.value })}
            />
          </label>
          <label className="block">
            Teacher reply (&lt;opinion&gt;, &lt;reason&gt;, &lt;phrase&gt;)
            <textarea
              rows={4}
              value={f.reply}
              onChange={(e) => update(i, { reply: e.target.value })}
            />
          </label>
        </fieldset>
      ))}
      <div className="row">
        <button
          onClick={() =>
            setPrompt({
              ...prompt,
              fewShots: [...prompt.fewShots, { question: '', response: '', reply: '' }],
            })
          }
        >
          Add few-shot
        </button>
        <button onClick={() => setPrompt(defaultPromptConfig())}>Reset prompt to defaults</button>
        <span className="muted small">{DEFAULT_FEW_SHOTS.length} defaults, one per behaviour</span>
      </div>
    </details>
  );
}

/** Built-in or HTTP teacher: server presets, URL, model, key (memory only), timeout, prompt. */
export function TeacherPanel() {
  const kind = useLab((s) => s.config.teacher.kind);
  const baseURL = useLab((s) => s.config.teacher.baseURL);
  const apiKey = useLab((s) => s.apiKey);
  const remember = useLab((s) => s.rememberKey);
  const connection = useLab((s) => s.connection);
  const ready = useLab((s) => s.backend !== null);
  const preset = SERVER_PRESETS.find((p) => p.baseURL === baseURL)?.name ?? '';
  return (
    <section className="panel teacher-panel" data-testid="teacher">
      <h2>Teacher</h2>
      <div className="row">
        <label>
          <input
            type="radio"
            name="teacher-kind"
            data-testid="teacher-builtin"
            checked={kind === 'builtin'}
            onChange={() => setConfigValue('teacher.kind', 'builtin')}
          />{' '}
          Built-in (offline)
        </label>
        <label>
          <input
            type="radio"
            name="teacher-kind"
            data-testid="teacher-http"
            checked={kind === 'http'}
            onChange={() => setConfigValue('teacher.kind', 'http')}
          />{' '}
          HTTP (OpenAI-compatible)
        </label>
      </div>
      {kind === 'http' && (
        <>
          <label className="block">
            Server
            <select
              data-testid="teacher-server"
              value={preset}
              onChange={(e) => {
                const p = SERVER_PRESETS.find((x) => x.name === e.target.value);
                if (!p) return;
                setConfigValue('teacher.baseURL', p.baseURL);
                setConfigValue('teacher.model', p.model);
              }}
            >
              <option value="">custom</option>
              {SERVER_PRESETS.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} ({p.baseURL})
                </option>
              ))}
            </select>
          </label>
          <FieldInput spec={field('baseURL')} />
          <FieldInput spec={field('model')} />
          <label className="block">
            API key{' '}
            <span className="muted small">
              (sent only to this server; never in the link or config)
            </span>
            <input
              data-testid="teacher-key"
              type="password"
              autoComplete="off"
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
            />
          </label>
          <label className="small">
            <input
              type="checkbox"
              data-testid="teacher-remember"
              checked={remember}
              onChange={(e) => setRememberKey(e.target.checked)}
            />{' '}
            remember the key in this browser (localStorage)
          </label>
          <FieldInput spec={field('timeoutMs')} />
          <p className="muted small">
            The server must allow this page's origin (CORS): Ollama <code>OLLAMA_ORIGINS=*</code>,
            vLLM <code>--allowed-origins '["*"]'</code>, LM Studio “Enable CORS”; llama.cpp sends
            the headers itself.
          </p>
        </>
      )}
      <div className="row">
        <button
          data-testid="test-connection"
          disabled={!ready || connection.pending}
          onClick={testConnection}
        >
          {connection.pending ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      {connection.report && (
        <div
          className={`connection ${connection.report.ok ? 'ok' : 'bad'}`}
          data-testid="connection-report"
        >
          {connection.report.lines.map((l, i) => (
            <div key={i}>{l}</div>
          ))}
        </div>
      )}
      <details className="config-section">
        <summary>More teacher settings</summary>
        {MORE.map((f) => (
          <FieldInput key={f.path} spec={f} />
        ))}
      </details>
      {kind === 'http' && <FewShotEditor />}
    </section>
  );
}
