/**
 * CLI command `compare --preset P [--set key=value ...] --out DIR`: the seed paper's comparison at
 * lab scale (engine/experiments/comparison.ts). Writes DIR/comparison.json, DIR/comparison.md
 * (the table in Markdown), DIR/config.json, DIR/warm-up/sft_metrics.jsonl and per method
 * DIR/<method>/metrics.jsonl, DIR/<method>/eval.jsonl (the graded greedy responses),
 * DIR/<method>/row.json (the method's row and the config it was run with) and, for a GRPO or
 * ThinkTuning arm, DIR/<method>/checkpoint/ (its weights on the run driver's schedule), and prints
 * the table on stdout. An arm whose row.json has this very config is read back, not trained
 * again: arms of one seed can run as separate processes (--methods), and a killed comparison goes
 * on where it was.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trainerCheckpoint } from '../../engine/loop/resume';
import { writeCheckpointDir } from '../checkpointDir';
import type { RunConfig } from '../../contract/config';
import { comparisonBudget, describeBudget } from '../../contract/budget';
import { runComparison } from '../../engine/experiments/comparison';
import { type ComparisonProgress, type ComparisonResult } from '../../contract/comparison';
import { comparisonMarkdown } from '../../engine/experiments/table';
import { METHODS, type Method, type ResultsRow } from '../../contract/resultsTable';
import { seedsMarkdown, summariseSeeds } from '../../engine/experiments/seeds';
import { readShippedFile } from '../shippedStudents';
import { PRESET_NAMES, presetConfig } from '../../contract/presets';
import { EXIT, intFlag, parseFlags, type CliCommand, type CliIo } from '../command';
import { initNodeBackend, parseNodeBackend } from '../nodeBackend';
import { applyOverrides, readTextFile } from './sft';

export const COMPARE_USAGE = `usage: compare --preset P --out DIR [--seeds 1,2,3] [--set key=value ...] [--methods m1,m2] [--star-iterations N] [--backend wasm|cpu]

  --preset P            one of: ${PRESET_NAMES.join(', ')} (default tiny)
  --out DIR             writes comparison.json, comparison.md, config.json,
                        warm-up/sft_metrics.jsonl, and per method <method>/metrics.jsonl
                        and <method>/eval.jsonl (its graded greedy responses)
  --seeds LIST          run every arm once per seed (e.g. 1,2,3), each seed's files in
                        DIR/seed-<s>/; DIR/comparison.json and .md hold per method the
                        per-seed held-out accuracies, their mean and a 95% confidence interval.
                        The warm-up: the preset's shipped student (student.init) for every
                        seed, or SFT from scratch per seed when student.init is 
  --set k=v             override one config field, repeatable (e.g. --set rl.steps=40);
                        sft.* sets the shared warm-up, rl.* every arm's budget
  --methods LIST        some of ${METHODS.join(',')} (default all)
  --star-iterations N   STaR's sample-filter-train rounds (default 4)
  --backend B           tfjs backend: wasm (default) or cpu`;

/** Parses --seeds "1,2,3": distinct non-negative integers. */
export function parseSeeds(raw: string | undefined): number[] | null | { error: string } {
  if (raw === undefined) return null;
  const parts = raw.split(',').map((s) => s.trim());
  const seeds = parts.map(Number);
  if (parts.some((p) => p === '') || seeds.some((n) => !Number.isInteger(n) || n < 0))
    return {
      error: `--seeds expects a list of non-negative integers such as 1,2,3 (got "${raw}")`,
    };
  if (new Set(seeds).size !== seeds.length)
    return { error: `--seeds lists a seed twice ("${raw}"); give each seed once` };
  return seeds;
}

/** Parses --methods "a,b": each must be a known method. */
export function parseMethods(raw: string | undefined): Method[] | { error: string } {
  if (raw === undefined) return [...METHODS];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(METHODS as readonly string[]).includes(n));
  if (bad.length || names.length === 0)
    return {
      error: `--methods: unknown method${bad.length > 1 ? 's' : ''} "${bad.join(', ')}". Valid methods: ${METHODS.join(', ')}.`,
    };
  return names as Method[];
}

/** The whole comparison, writing its files under `out`; returns the result. */
export async function compareAndSave(
  config: RunConfig,
  opts: { preset: string; out: string; methods: Method[]; starIterations: number; io: CliIo },
): Promise<ComparisonResult> {
  const { out, io } = opts;
  await mkdir(join(out, 'warm-up'), { recursive: true });
  await writeFile(join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  await writeFile(join(out, 'warm-up', 'sft_metrics.jsonl'), '');
  const earlier = new Map<Method, ResultsRow>();
  for (const m of opts.methods) {
    const row = await finishedArm(out, m, config);
    if (row) {
      earlier.set(m, row);
      io.stderr(`compare: ${row.label}: finished earlier in ${join(out, m)}, read back\n`);
      continue;
    }
    await mkdir(join(out, m), { recursive: true });
    await writeFile(join(out, m, 'metrics.jsonl'), '');
  }
  const budget = comparisonBudget(config, opts.starIterations);
  for (const line of describeBudget(budget, config)) io.stderr(`compare: ${line}\n`);
  const abort = new AbortController();
  const onSigint = () => {
    io.stderr('compare: stopping after the current step (Ctrl-C again to quit now)\n');
    process.off('SIGINT', onSigint);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  let last = '';
  try {
    const result = await runComparison(config, {
      readText: readTextFile,
      readStudentFile: readShippedFile,
      methods: opts.methods,
      starIterations: opts.starIterations,
      signal: abort.signal,
      onWarmupStep: (m) => appendFile(join(out, 'warm-up', 'sft_metrics.jsonl'), jsonl(m)),
      onArmStep: (method, m) => appendFile(join(out, method, 'metrics.jsonl'), jsonl(m)),
      onEval: (method, records) =>
        writeFile(join(out, method, 'eval.jsonl'), records.map(jsonl).join('')),
      // Each RL arm's weights on the run driver's schedule: `eval --checkpoint OUT/grpo/checkpoint`.
      onArmCheckpoint: async (method, _step, trainer) =>
        writeCheckpointDir(join(out, method, 'checkpoint'), await trainerCheckpoint(trainer)),
      finishedRow: (method) => Promise.resolve(earlier.get(method) ?? null),
      onProgress: (p) => {
        const line = progressLine(p);
        if (line && line !== last) io.stderr(line);
        last = line ?? last;
      },
      onRow: async (r) => {
        if (earlier.has(r.method)) return;
        await writeArmRow(out, r, config);
        io.stderr(
          `compare: ${r.label}: accuracy ${(r.overall * 100).toFixed(1)}%, mean length ${r.meanTokens.toFixed(1)}, trained ${r.trainSeconds.toFixed(0)} s\n`,
        );
      },
    });
    const md = [
      `# ${opts.preset}: the paper's comparison at lab scale`,
      '',
      comparisonMarkdown(result.rows, result.sources),
      '',
      ...describeBudget(result.budget, config).map((l) => `- ${l}`),
      result.stopped ? '\n**Stopped early:** only the rows above finished.' : '',
    ].join('\n');
    await writeFile(join(out, 'comparison.md'), md.trimEnd() + '\n');
    const { arms: _arms, warmup: _warmup, ...summary } = result;
    await writeFile(
      join(out, 'comparison.json'),
      JSON.stringify(
        { preset: opts.preset, ...summary, budgetText: describeBudget(result.budget, config) },
        null,
        2,
      ) + '\n',
    );
    return result;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const jsonl = (x: unknown) => JSON.stringify(x) + '\n';

/** DIR/<method>/row.json, written whole (a temporary file renamed over it). */
async function writeArmRow(out: string, row: ResultsRow, config: RunConfig): Promise<void> {
  const file = join(out, row.method, 'row.json');
  await writeFile(`${file}.partial`, JSON.stringify({ config, row }, null, 2) + '\n');
  await rename(`${file}.partial`, file);
}

/** The row of an arm that finished earlier in `out` with this very config; null otherwise. */
export async function finishedArm(
  out: string,
  method: Method,
  config: RunConfig,
): Promise<ResultsRow | null> {
  const text = await readFile(join(out, method, 'row.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as { config?: unknown; row?: ResultsRow };
    const same = JSON.stringify(r.config) === JSON.stringify(config) && r.row?.method === method;
    return same && r.row ? r.row : null;
  } catch {
    return null;
  }
}

/**
 * A seed's comparison that finished earlier in `dir` with this very config and these methods
 * (so seeds can run as separate processes, or a stopped run can go on); null otherwise.
 */
async function finishedSeed(
  dir: string,
  config: RunConfig,
  methods: readonly Method[],
): Promise<ComparisonResult | null> {
  const text = await readFile(join(dir, 'comparison.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as Omit<ComparisonResult, 'arms' | 'warmup'>;
    const same =
      !r.stopped &&
      JSON.stringify(r.config) === JSON.stringify(config) &&
      JSON.stringify(r.rows.map((x) => x.method).sort()) === JSON.stringify([...methods].sort());
    return same ? { ...r, arms: [], warmup: [] } : null;
  } catch {
    return null;
  }
}

/**
 * The comparison once per seed (DIR/seed-<s>/, each a whole single-seed comparison), then the
 * per-method summary over seeds in DIR/comparison.json and DIR/comparison.md.
 */
export async function compareSeeds(
  config: RunConfig,
  opts: { preset: string; out: string; methods: Method[]; starIterations: number; io: CliIo },
  seeds: number[],
): Promise<void> {
  const t0 = performance.now();
  const results: ComparisonResult[] = [];
  for (const seed of seeds) {
    const dir = join(opts.out, `seed-${seed}`);
    const done = await finishedSeed(dir, { ...config, seed }, opts.methods);
    if (done) {
      opts.io.stderr(`compare: seed ${seed}: finished earlier in ${dir}, read back\n`);
      results.push(done);
      continue;
    }
    opts.io.stderr(`compare: seed ${seed} (${results.length + 1} of ${seeds.length})\n`);
    const r = await compareAndSave({ ...config, seed }, { ...opts, preset: opts.preset, out: dir });
    results.push(r);
    if (r.stopped) break;
  }
  const done = seeds.slice(0, results.length);
  const summary = summariseSeeds(
    done,
    results.map((r) => r.rows),
  );
  const questions = results[0]?.rows[0]?.questions ?? 0;
  const warmup =
    config.student.source === 'scratch' && config.student.init
      ? `the shipped student "${config.student.init}"`
      : `warm-up SFT per seed (sft.steps ${config.sft.steps})`;
  const md = [
    `# ${opts.preset}: the paper's comparison over seeds ${done.join(', ')}`,
    '',
    seedsMarkdown(summary, questions),
    '',
    `- Warm-up: ${warmup}; every arm of a seed starts from it.`,
    ...describeBudget(
      results[0]?.budget ?? comparisonBudget(config, opts.starIterations),
      config,
    ).map((l) => `- ${l}`),
    `- ${((performance.now() - t0) / 1000).toFixed(0)} s in all; each seed's table and files are in seed-<s>/.`,
    results.some((r) => r.stopped)
      ? '\n**Stopped early:** the summary covers the seeds that finished.'
      : '',
  ].join('\n');
  await writeFile(join(opts.out, 'comparison.md'), md.trimEnd() + '\n');
  await writeFile(
    join(opts.out, 'comparison.json'),
    JSON.stringify(
      {
        preset: opts.preset,
        seeds: done,
        questions,
        warmup,
        config,
        summary,
        perSeed: results.map((r, k) => ({
          seed: done[k],
          rows: r.rows,
          seconds: r.seconds,
          stopped: r.stopped,
        })),
        seconds: (performance.now() - t0) / 1000,
      },
      null,
      2,
    ) + '\n',
  );
  opts.io.stdout(`${seedsMarkdown(summary, questions)}\n`);
  opts.io.stderr(`compare: wrote ${join(opts.out, 'comparison.md')} and comparison.json\n`);
}

/** A progress line every 5 steps of training, one per evaluation; null for the steps between. */
function progressLine(p: ComparisonProgress): string | null {
  const where = `compare [${p.methodsDone}/${p.methodsTotal}] ${p.method}`;
  if (p.phase === 'eval')
    return p.step === p.total ? `${where}: evaluated ${p.total} questions\n` : null;
  const every = p.method === 'warm-up' ? 25 : 5;
  if (p.step % every !== 0 && p.step !== p.total) return null;
  return `${where}: ${p.method === 'warm-up' || p.method === 'sft' ? 'SFT step' : p.method === 'star' ? 'update' : 'step'} ${p.step}/${p.total}\n`;
}

async function runCompareCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    values: ['preset', 'out', 'backend', 'methods', 'star-iterations', 'seeds'],
    lists: ['set'],
  });
  if ('error' in flags) return usageError(io, flags.error);
  const v = flags.values;
  if (!v.out) return usageError(io, 'missing --out DIR');
  const backend = parseNodeBackend(v.backend);
  if (typeof backend !== 'string') return usageError(io, backend.error);
  const methods = parseMethods(v.methods);
  if ('error' in methods) return usageError(io, methods.error);
  const starIterations = intFlag('star-iterations', v['star-iterations'], 4);
  if (typeof starIterations === 'string') return usageError(io, starIterations);
  const seeds = parseSeeds(v.seeds);
  if (seeds && 'error' in seeds) return usageError(io, seeds.error);
  const preset = v.preset ?? 'tiny';
  let config: RunConfig;
  try {
    config = applyOverrides(presetConfig(preset), flags.lists.set ?? []);
  } catch (err) {
    io.stderr(`compare: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  try {
    await initNodeBackend(backend);
    if (seeds) {
      await compareSeeds(config, { preset, out: v.out, methods, starIterations, io }, seeds);
      return EXIT.ok;
    }
    const r = await compareAndSave(config, { preset, out: v.out, methods, starIterations, io });
    io.stdout(`${comparisonMarkdown(r.rows, r.sources)}\n`);
    io.stderr(
      `compare: ${r.stopped ? 'stopped' : 'done'} in ${r.seconds.toFixed(0)} s; wrote ${join(v.out, 'comparison.md')} and comparison.json\n`,
    );
    return EXIT.ok;
  } catch (err) {
    io.stderr(`compare: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
}

function usageError(io: CliIo, error: string): number {
  io.stderr(`compare: ${error}\n${COMPARE_USAGE}\n`);
  return EXIT.usage;
}

export const compareCommand: CliCommand = {
  summary:
    "the paper's comparison (zero-shot, SFT, STaR, GRPO, ThinkTuning) on one seed; writes comparison.md/json",
  usage: COMPARE_USAGE,
  run: runCompareCommand,
};
