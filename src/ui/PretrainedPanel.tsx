import { useState, type DragEvent } from 'react';
import { formatBytes } from '../contract/format';
import type { PretrainedSource } from '../session/protocol';
import { inspectPretrained, loadPretrained, runActive } from '../state/actions';
import { useLab } from '../state/labStore';

type Picked = Array<{ name: string; file: File }>;

/** Files of a dropped folder (one level: a Hugging Face model folder is flat). */
async function droppedFiles(e: DragEvent): Promise<Picked> {
  const out: Picked = [];
  const entries = Array.from(e.dataTransfer.items, (i) => i.webkitGetAsEntry?.() ?? null);
  const fileOf = (entry: FileSystemFileEntry) =>
    new Promise<File>((resolve, reject) => entry.file(resolve, reject));
  for (const [i, entry] of entries.entries()) {
    if (entry?.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      const children = await new Promise<FileSystemEntry[]>((resolve, reject) =>
        reader.readEntries(resolve, reject),
      );
      for (const c of children)
        if (c.isFile)
          out.push({
            name: `${entry.name}/${c.name}`,
            file: await fileOf(c as FileSystemFileEntry),
          });
    } else {
      const file = e.dataTransfer.files[i];
      if (file) out.push({ name: file.name, file });
    }
  }
  return out;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * A pretrained student from a Hugging Face model folder: picked files, a dropped folder or a
 * base URL. config.json is read first to show the model's size and a memory estimate; Load
 * then fetches and converts the weights (progress bar) and points the config at the model.
 */
export function PretrainedPanel() {
  const info = useLab((s) => s.pretrainedInfo);
  const progress = useLab((s) => s.pretrainedProgress);
  const busy = useLab((s) => s.status === 'busy');
  const training = useLab((s) => runActive(s.progress.status));
  const [source, setSource] = useState<PretrainedSource | null>(null);
  const [url, setUrl] = useState('');
  const [dragging, setDragging] = useState(false);

  const choose = (picked: Picked) => {
    if (picked.length === 0) return;
    const next: PretrainedSource = { kind: 'files', files: picked };
    setSource(next);
    inspectPretrained(next);
  };
  const chooseUrl = () => {
    const next: PretrainedSource = { kind: 'url', url: url.trim() };
    setSource(next);
    inspectPretrained(next);
  };
  const fileList = (list: FileList | null) =>
    choose(Array.from(list ?? [], (f) => ({ name: f.webkitRelativePath || f.name, file: f })));

  const e = info?.estimate;
  return (
    <div
      className={`pretrained${dragging ? ' dragging' : ''}`}
      data-testid="pretrained"
      onDragOver={(ev) => {
        ev.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(ev) => {
        ev.preventDefault();
        setDragging(false);
        void droppedFiles(ev).then(choose);
      }}
    >
      <h3>Pretrained model (Hugging Face)</h3>
      <p className="muted">
        A Llama or Qwen2 folder: config.json, tokenizer.json, tokenizer_config.json and
        model.safetensors (or its shards with model.safetensors.index.json). Drop the folder here,
        pick its files, or give its URL.
      </p>
      <label>
        Files{' '}
        <input
          type="file"
          multiple
          data-testid="pretrained-files"
          onChange={(ev) => fileList(ev.target.files)}
        />
      </label>{' '}
      <label>
        Folder{' '}
        <input
          type="file"
          data-testid="pretrained-folder"
          {...{ webkitdirectory: '' }}
          onChange={(ev) => fileList(ev.target.files)}
        />
      </label>
      <div className="pretrained-url">
        <input
          type="url"
          placeholder="https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/resolve/main/"
          value={url}
          aria-label="Model folder URL"
          onChange={(ev) => setUrl(ev.target.value)}
        />
        <button disabled={!url.trim()} onClick={chooseUrl}>
          Check
        </button>
      </div>
      {info && e && (
        <table className="kv" data-testid="pretrained-info">
          <tbody>
            <tr>
              <td>model</td>
              <td>
                {info.architecture}, {info.layers} × {info.hidden} ({info.heads} heads,{' '}
                {info.kvHeads} kv), vocab {info.vocab.toLocaleString()}
              </td>
            </tr>
            <tr>
              <td>parameters</td>
              <td>{e.parameters.toLocaleString()}</td>
            </tr>
            <tr>
              <td>download</td>
              <td>
                {formatBytes(e.downloadBytes)} ({info.torchDtype ?? 'dtype not given'})
              </td>
            </tr>
            <tr>
              <td>memory</td>
              <td data-testid="pretrained-memory">
                {formatBytes(e.weightBytes)} weights (float32) + {formatBytes(e.trainingStateBytes)}{' '}
                training state = <strong>{formatBytes(e.totalBytes)}</strong>, plus ~
                {formatBytes(e.activationBytesPerToken)} per token of a training batch
                {e.decodingMergeBytes > 0 &&
                  `; on WebGPU, rollouts also hold ${formatBytes(e.decodingMergeBytes)} of weights with the LoRA merged in`}
              </td>
            </tr>
            <tr>
              <td>trains</td>
              <td>
                {info.lora
                  ? `LoRA r=${info.lora.rank} on ${info.lora.targets.join(', ')}`
                  : 'every weight (full fine-tuning)'}
                : {e.trainableParameters.toLocaleString()} parameters
              </td>
            </tr>
          </tbody>
        </table>
      )}
      <button
        disabled={!source || !info || busy || training}
        data-testid="pretrained-load"
        onClick={() => source && loadPretrained(source)}
      >
        Load pretrained model
      </button>
      {training && <span className="muted"> (stop the run first)</span>}
      {progress && (
        <div className="pretrained-progress" data-testid="pretrained-progress">
          <progress max={1} value={progress.fraction} />{' '}
          <span>
            {progress.phase === 'download' ? 'Reading' : 'Converting'} {progress.file}{' '}
            {pct(progress.fraction)}
          </span>
        </div>
      )}
    </div>
  );
}
