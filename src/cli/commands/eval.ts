/**
 * CLI command `eval --checkpoint DIR [--data D.jsonl] [--set key=value ...]`: loads a
 * checkpoint folder, evaluates it (greedy accuracy, sampled pass@1 over eval.samples, length,
 * format, catchphrase and reflection rates) on the config's eval split or on a GSM8K/TaskItem
 * JSONL file, and prints a JSON summary on stdout.
 */
import { writeFile } from 'node:fs/promises';
import type { RunConfig } from '../../contract/config';
import { evaluate } from '../../engine/eval/evaluate';
import { loadItems } from '../../engine/eval/sources';
import { loadCheckedCheckpoint } from '../../engine/store/checkpoint';
import { parseGsm8k } from '../../engine/tasks/gsm8k';
import type { TaskItem } from '../../engine/tasks/types';
import { readCheckpointDir } from '../checkpointDir';
import { EXIT, intFlag, parseFlags, type CliCommand, type CliIo } from '../command';
import { initNodeBackend, parseNodeBackend } from '../nodeBackend';
import { parseTaskItems } from './grade';
import { loadCliPretrainedForEval } from './pretrained';
import { presetConfig } from '../../contract/presets';
import type { CausalLM } from '../../engine/model/causalLM';
import type { Tokenizer } from '../../engine/tokenizer';
import { applyOverrides, readTextFile } from './sft';

export const EVAL_USAGE = `usage: eval --checkpoint DIR [--data D.jsonl] [--set key=value ...] [--backend wasm|cpu] [--records F.jsonl] [--batch N]
       eval --model-dir D [--adapter A] [--preset P] [same options]

  --checkpoint DIR  folder written by "sft" or "train"
  --model-dir D     a pretrained Hugging Face model folder (path or URL) instead of a checkpoint
  --adapter A       with --model-dir: PEFT LoRA adapters to apply (a train run's OUT/adapter/)
  --preset P        with --model-dir: the settings to evaluate with (default smollm2-135m-instruct)
  --data D.jsonl    GSM8K rows {"question","answer"} or TaskItem rows {"id","prompt","answer"};
                    default: the checkpoint config's eval split (eval.size questions)
  --set k=v         override the saved config, repeatable (e.g. --set eval.samples=8)
  --backend B       tfjs backend: wasm (default) or cpu
  --records F       also write one JSON line per response
  --batch N         rows per sampling batch (default 64)`;

/** Items from a JSONL file: TaskItem rows when the first row has "prompt", else GSM8K. */
export function parseItemsFile(
  path: string,
  text: string,
): { items: TaskItem[]; warnings: string[] } {
  const first = text.split('\n').find((l) => l.trim().length > 0) ?? '';
  const isTaskItems = /"prompt"\s*:/.test(first) && /"id"\s*:/.test(first);
  const name = path.replace(/^.*[/\\]/, '').replace(/\.jsonl?$/i, '') || 'data';
  const { items, errors } = isTaskItems ? parseTaskItems(text) : parseGsm8k(text, name);
  return { items, warnings: errors.map((e) => `${path} line ${e.line}: ${e.message}`) };
}

async function runEvalCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    values: ['checkpoint', 'data', 'backend', 'records', 'batch', 'model-dir', 'adapter', 'preset'],
    lists: ['set'],
  });
  if ('error' in flags) return usageError(io, flags.error);
  const modelDir = flags.values['model-dir'];
  const dir = flags.values.checkpoint ?? modelDir;
  if (!dir) return usageError(io, 'missing --checkpoint (or --model-dir)');
  const backend = parseNodeBackend(flags.values.backend);
  if (typeof backend !== 'string') return usageError(io, backend.error);
  const batch = intFlag('batch', flags.values.batch, 64);
  if (typeof batch === 'string') return usageError(io, batch);
  try {
    await initNodeBackend(backend);
    const ckpt = modelDir
      ? await pretrainedForEval(modelDir, flags.values, (s) => io.stderr(s + '\n'))
      : loadCheckedCheckpoint(
          (await readCheckpointDir(dir, { note: (n) => io.stderr(`note: ${n}\n`) })).checked,
        );
    let config: RunConfig;
    try {
      config = applyOverrides(ckpt.meta.run, flags.lists.set ?? []);
    } catch (err) {
      io.stderr(`eval: ${message(err)}\n`);
      ckpt.model.dispose();
      return EXIT.usage;
    }
    const dataPath = flags.values.data;
    const src = dataPath
      ? parseItemsFile(dataPath, await readTextFile(dataPath))
      : await loadItems(config.data, 'eval', readTextFile);
    for (const w of src.warnings) io.stderr(`warning: ${w}\n`);
    if (src.items.length === 0)
      throw new Error(`${dataPath ?? 'eval split'}: no items to evaluate.`);
    const items = dataPath ? src.items : src.items.slice(0, config.eval.size);
    const t0 = performance.now();
    const r = await evaluate(ckpt.model, ckpt.tokenizer, items, {
      suffix: config.data.promptSuffix,
      maxNewTokens: config.eval.maxNewTokens,
      greedy: true,
      samples: config.eval.samples,
      temperature: config.eval.temperature,
      seed: config.seed,
      batchSize: batch,
      catchphrase: config.reward.catchphrase,
      requireEos: config.reward.requireEos,
      onProgress: (done, total) => io.stderr(`eval: ${done}/${total} responses\n`),
    });
    ckpt.model.dispose();
    if (flags.values.records)
      await writeFile(
        flags.values.records,
        r.records.map((x) => JSON.stringify(x)).join('\n') + '\n',
      );
    const { records: _records, ...summary } = r;
    io.stdout(
      `${JSON.stringify({ checkpoint: dir, step: ckpt.meta.step, data: dataPath ?? 'eval split', seconds: (performance.now() - t0) / 1000, ...summary }, null, 2)}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    io.stderr(`eval: ${message(err)}\n`);
    return EXIT.failed;
  }
}

/** A pretrained model (and adapters) in the shape of a loaded checkpoint. */
async function pretrainedForEval(
  modelDir: string,
  v: Record<string, string>,
  log: (s: string) => void,
): Promise<{ model: CausalLM; tokenizer: Tokenizer; meta: { run: RunConfig; step: number } }> {
  const run = presetConfig(v.preset ?? 'smollm2-135m-instruct');
  const loaded = await loadCliPretrainedForEval(modelDir, v.adapter, log);
  return { model: loaded.model, tokenizer: loaded.tokenizer, meta: { run, step: 0 } };
}

function usageError(io: CliIo, error: string): number {
  io.stderr(`eval: ${error}\n${EVAL_USAGE}\n`);
  return EXIT.usage;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const evalCommand: CliCommand = {
  summary: 'evaluate a checkpoint (greedy accuracy, pass@1, format, reflection)',
  usage: EVAL_USAGE,
  run: runEvalCommand,
};
