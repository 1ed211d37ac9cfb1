/**
 * CLI command `export-verl --preset P | --run DIR [--set k=v ...] --out D`: writes a run as a
 * verl job folder (data in verl's schema, lab_reward.py, run_grpo.sh, run_thinktuning.sh,
 * MAPPING.md). Loads no model and no tfjs.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { applyOverride, parseConfig, type RunConfig } from '../../contract/config';
import { loadItems } from '../../engine/eval/sources';
import { buildVerlJob } from '../../engine/export/verl/job';
import { JOB_FILES } from '../../engine/export/verl/scripts';
import { PRESET_NAMES, presetConfig } from '../../contract/presets';
import { EXIT, parseFlags, type CliCommand, type CliIo } from '../command';

export const EXPORT_VERL_USAGE = `usage: export-verl (--preset P | --run DIR) [--set key=value ...] [--name N] --out D

  --preset P    a preset (${PRESET_NAMES.join(', ')})
  --run DIR     a run folder written by "train --out" (its config.json or checkpoint/config.json)
  --set k=v     override a config field, repeatable (e.g. --set data.gsm8kTrain=../shared/data/gsm8k/train.jsonl)
  --name N      run name in the scripts and MAPPING.md (default: the preset or folder name)
  --out D       the job folder to write

Writes ${Object.values(JOB_FILES).join(', ')}.
Then: MODEL_PATH=<hf model> bash D/${JOB_FILES.grpo}`;

const readText = (path: string) => readFile(path, 'utf8');

/** The config of a CLI run folder: config.json, else checkpoint/config.json's "run". */
export async function runFolderConfig(dir: string): Promise<RunConfig> {
  for (const [file, pick] of [
    ['config.json', (v: unknown) => v],
    [join('checkpoint', 'config.json'), (v: unknown) => (v as { run?: unknown } | null)?.run],
  ] as const) {
    let text: string;
    try {
      text = await readText(join(dir, file));
    } catch {
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new Error(`${join(dir, file)} is not valid JSON: ${(e as Error).message}`);
    }
    return parseConfig(pick(value));
  }
  throw new Error(
    `${dir} has no config.json or checkpoint/config.json: pass a folder written by "train --out".`,
  );
}

async function exportVerl(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { values: ['preset', 'run', 'out', 'name'], lists: ['set'] });
  if ('error' in flags) return usage(io, flags.error);
  const { preset, run, out } = flags.values;
  if (!out) return usage(io, 'missing --out');
  if (!preset === !run) return usage(io, 'pass exactly one of --preset or --run');
  let config: RunConfig;
  try {
    config = preset ? presetConfig(preset) : await runFolderConfig(run!);
    for (const s of flags.lists.set ?? []) config = applyOverride(config, s);
  } catch (e) {
    io.stderr(`export-verl: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  const name = flags.values.name ?? preset ?? basename(resolve(run!));
  try {
    const train = await loadItems(config.data, 'train', readText);
    const test = await loadItems(config.data, 'eval', readText);
    for (const w of [...train.warnings, ...test.warnings]) io.stderr(`warning: ${w}\n`);
    const files = buildVerlJob({ config, name, train: train.items, test: test.items });
    for (const f of files) {
      const path = join(out, f.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, f.text, 'utf8');
      if (f.executable) await chmod(path, 0o755);
    }
    const rows = (p: string) => files.find((f) => f.path === p)!.text.split('\n').length - 1;
    io.stdout(
      `${out}: ${rows(JOB_FILES.train)} train and ${rows(JOB_FILES.test)} test rows (${config.data.source}), ` +
        `${JOB_FILES.reward}, ${JOB_FILES.grpo}, ${JOB_FILES.thinktuning}, ${JOB_FILES.mapping}\n` +
        `run: MODEL_PATH=<hf model id or folder> bash ${join(out, JOB_FILES.grpo)}\n`,
    );
    return EXIT.ok;
  } catch (e) {
    io.stderr(`export-verl: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
}

function usage(io: CliIo, error: string): number {
  io.stderr(`export-verl: ${error}\n${EXPORT_VERL_USAGE}\n`);
  return EXIT.usage;
}

export const exportVerlCommand: CliCommand = {
  summary: 'write a run as a verl job (data, reward function, GRPO and ThinkTuning scripts)',
  usage: EXPORT_VERL_USAGE,
  run: exportVerl,
};
