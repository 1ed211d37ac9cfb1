/**
 * CLI command `sft --preset P [--set key=value ...] --out DIR`: trains a tokenizer on the
 * training corpus, creates the student from config.model, runs warm-up SFT, evaluates greedy
 * accuracy on the eval split and writes a checkpoint folder plus DIR/sft_metrics.jsonl.
 */
import { readdir } from 'node:fs/promises';
import { applyOverride, type RunConfig } from '../../contract/config';
import { evaluate, greedyEvalOptions, type EvalResult } from '../../engine/eval/evaluate';
import { buildTokenizer, loadItems, type ReadText } from '../../engine/eval/sources';
import { parameterCount } from '../../engine/model/transformer';
import { createStudent } from '../../engine/student';
import { PRESET_NAMES, presetConfig } from '../../contract/presets';
import { runSft } from '../../engine/sft/train';
import { type SftStepMetrics } from '../../contract/sftMetrics';
import { checkpointFiles } from '../../engine/store/checkpoint';
import { writeCheckpointDir } from '../checkpointDir';
import { redactText } from '../../contract/redact';
import { EXIT, intFlag, parseFlags, type CliCommand, type CliIo } from '../command';
import { initNodeBackend, parseNodeBackend } from '../nodeBackend';

export const SFT_USAGE = `usage: sft --preset P --out DIR [--set key=value ...] [--backend wasm|cpu] [--log-every N] [--overwrite]

  --preset P      one of: ${PRESET_NAMES.join(', ')}
  --out DIR       checkpoint folder (model.safetensors, config.json, tokenizer.json, manifest.json,
                  sft_metrics.jsonl), written whole when the warm-up ends
  --overwrite     replace the checkpoint already in DIR (refused without it)
  --set k=v       override one config field, repeatable (e.g. --set sft.steps=100)
  --backend B     tfjs backend: wasm (default) or cpu
  --log-every N   progress line on stderr every N steps (default 25)`;

/** Reads a GSM8K path as UTF-8 text (the Node side of ReadText). */
export const readTextFile: ReadText = async (path) => {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8');
};

/** Applies `--set` assignments in order; the first bad one throws applyOverride's message. */
export function applyOverrides(config: RunConfig, sets: readonly string[]): RunConfig {
  return sets.reduce((c, s) => applyOverride(c, s), config);
}

/** The summary line printed and logged after SFT. */
export function evalSummary(r: EvalResult): Record<string, number | null> {
  return {
    questions: r.questions,
    greedyAccuracy: r.greedyAccuracy,
    passAt1: r.passAt1,
    meanTokens: r.greedy?.meanTokens ?? r.sampled?.meanTokens ?? 0,
    formatRate: r.greedy?.formatRate ?? r.sampled?.formatRate ?? 0,
    skippedTooLong: r.skippedTooLong,
  };
}

async function runSftCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    values: ['preset', 'out', 'backend', 'log-every'],
    lists: ['set'],
    switches: ['overwrite'],
  });
  if ('error' in flags) return usageError(io, flags.error);
  const { preset, out } = flags.values;
  if (!preset) return usageError(io, 'missing --preset');
  if (!out) return usageError(io, 'missing --out');
  const backend = parseNodeBackend(flags.values.backend);
  if (typeof backend !== 'string') return usageError(io, backend.error);
  const logEvery = intFlag('log-every', flags.values['log-every'], 25);
  if (typeof logEvery === 'string') return usageError(io, logEvery);
  const problem = await sftOutProblem(out, flags.switches.has('overwrite'));
  if (problem) return usageError(io, problem);
  let config: RunConfig;
  try {
    config = applyOverrides(presetConfig(preset), flags.lists.set ?? []);
  } catch (err) {
    io.stderr(`sft: ${redactText(message(err))}\n`);
    return EXIT.usage;
  }
  try {
    await initNodeBackend(backend);
    await trainAndSave(config, out, logEvery, io);
    return EXIT.ok;
  } catch (err) {
    io.stderr(`sft: ${message(err)}\n`);
    return EXIT.failed;
  }
}

/** The whole SFT run; throws on failure. */
export async function trainAndSave(
  config: RunConfig,
  out: string,
  logEvery: number,
  io: CliIo,
): Promise<EvalResult> {
  const train = await loadItems(config.data, 'train', readTextFile);
  const held = await loadItems(config.data, 'eval', readTextFile);
  for (const w of [...train.warnings, ...held.warnings]) io.stderr(`warning: ${w}\n`);
  const tok = buildTokenizer(config, train.items);
  const model = createStudent(config, tok);
  try {
    io.stderr(
      `sft: ${train.items.length} train items, ${tok.kind} tokenizer (${tok.vocabSize} tokens), ` +
        `${parameterCount(model)} parameters, ${config.sft.steps} steps\n`,
    );
    const lines: string[] = [];
    const t0 = performance.now();
    const result = await runSft(model, tok, train.items, {
      config,
      onStep: (m) => {
        lines.push(JSON.stringify(m));
        if (m.step % logEvery === 0 || m.step === config.sft.steps)
          io.stderr(progress(m, config, t0));
      },
    });
    if (result.droppedTooLong > 0)
      io.stderr(
        `warning: ${result.droppedTooLong} examples exceed model.context and were skipped\n`,
      );
    const evalItems = held.items.slice(0, config.eval.size);
    const r = await evaluate(model, tok, evalItems, greedyEvalOptions(config));
    const summary = {
      step: config.sft.steps,
      seconds: (performance.now() - t0) / 1000,
      ...evalSummary(r),
    };
    lines.push(JSON.stringify({ eval: summary }));
    // The folder appears whole (files, manifest.json, sft_metrics.jsonl) or not at all.
    await writeCheckpointDir(out, await checkpointFiles(model, tok, config, config.sft.steps), {
      'sft_metrics.jsonl': `${lines.join('\n')}\n`,
    });
    io.stdout(`${JSON.stringify(summary)}\n`);
    io.stderr(`sft: checkpoint written to ${out}\n`);
    return r;
  } finally {
    model.dispose();
  }
}

function progress(m: SftStepMetrics, config: RunConfig, t0: number): string {
  const elapsed = (performance.now() - t0) / 1000;
  // eta = elapsed / done * remaining
  const eta = (elapsed / m.step) * (config.sft.steps - m.step);
  return (
    `sft step ${m.step}/${config.sft.steps} loss ${m.loss.toFixed(4)} lr ${m.lr.toExponential(2)} ` +
    `${m.step_time.toFixed(2)} s/step elapsed ${elapsed.toFixed(0)}s eta ${eta.toFixed(0)}s\n`
  );
}

/** What an SFT folder holds; anything else in --out is someone else's. */
const SFT_FOLDER_FILES = new Set([
  'model.safetensors',
  'config.json',
  'tokenizer.json',
  'trainer_state.safetensors',
  'manifest.json',
  'sft_metrics.jsonl',
]);

/**
 * Why `sft --out DIR` may not write DIR, or null. The folder is replaced whole, so it must be
 * new, empty, or (with --overwrite) an SFT checkpoint folder and nothing else.
 */
export async function sftOutProblem(dir: string, overwrite: boolean): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const foreign = names.filter((n) => !SFT_FOLDER_FILES.has(n));
  if (foreign.length > 0)
    return `${dir} holds other files (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); "sft" replaces its --out folder whole, so choose a new or empty folder.`;
  if (names.length > 0 && !overwrite)
    return `${dir} already holds a checkpoint (${names.join(', ')}); choose another --out, or pass --overwrite to replace it.`;
  return null;
}

function usageError(io: CliIo, error: string): number {
  io.stderr(`sft: ${error}\n${SFT_USAGE}\n`);
  return EXIT.usage;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const sftCommand: CliCommand = {
  summary: 'warm-up SFT from a preset; writes a checkpoint folder',
  usage: SFT_USAGE,
  run: runSftCommand,
};
