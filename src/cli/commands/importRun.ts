/**
 * CLI command `import-run PATH [--step S] [--group S:Q] [--json]`: opens a verl rollout dump, a
 * TRL completions folder or a lab trajectories.jsonl read-only and prints what it holds: a
 * summary, what the format has per completion, the problems (file and line), per-step rewards,
 * the groups of one step, or the completions of one group. Loads no model and no tfjs.
 */
import { openRun, readGroup } from '../../engine/import/openRun';
import type { ImportedRun } from '../../contract/importedRun';
import { EXIT, parseFlags, type CliCommand, type CliIo } from '../command';
import { runSources } from '../fileSource';

export const IMPORT_RUN_USAGE = `usage: import-run PATH [--step S] [--group S:Q] [--json]

  PATH        a verl rollout folder (trainer.rollout_data_dir: <step>.jsonl), a TRL output or
              completions folder (completions_<step>.parquet), or a lab trajectories.jsonl / run folder
  --step S    list the groups (questions) of step S
  --group S:Q print the completions of question Q (1-based) of step S
  --json      print the summary as JSON`;

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** The run's summary: counts, timing, facts and problems. */
export function runSummary(run: ImportedRun, loadMs: number, heapMb: number) {
  return {
    name: run.name,
    format: run.format,
    files: run.files.length,
    bytes: run.bytes,
    rollouts: run.order.length,
    groups: run.groups.length,
    steps: run.steps.length,
    duplicatesSkipped: run.duplicates,
    components: run.componentNames,
    has: {
      text: true,
      reward: run.facts.reward,
      advantage: run.facts.advantage,
      groundTruth: run.facts.groundTruth,
      perToken: run.facts.perToken,
    },
    absent: run.facts.absent,
    problems: run.problemCount,
    loadMs: Math.round(loadMs),
    heapMb: Math.round(heapMb * 10) / 10,
  };
}

function stepTable(run: ImportedRun): string[] {
  const rows = new Map<number, { groups: number; n: number; r: number; a: number; an: number }>();
  for (const g of run.groups) {
    const s = rows.get(g.step) ?? { groups: 0, n: 0, r: 0, a: 0, an: 0 };
    s.groups++;
    for (const i of run.order.subarray(g.start, g.start + g.count)) {
      s.n++;
      s.r += run.reward[i];
      if (!Number.isNaN(run.advantage[i])) {
        s.a += Math.abs(run.advantage[i]);
        s.an++;
      }
    }
    rows.set(g.step, s);
  }
  const out = ['step  groups  rollouts  mean reward  mean |advantage|'];
  for (const [step, s] of rows)
    out.push(
      `${String(step).padStart(4)}  ${String(s.groups).padStart(6)}  ${String(s.n).padStart(8)}  ${fmt(s.r / s.n).padStart(11)}  ${(s.an ? fmt(s.a / s.an) : 'absent').padStart(16)}`,
    );
  return out;
}

async function runImportRun(argv: readonly string[], io: CliIo): Promise<number> {
  const path = argv[0] && !argv[0].startsWith('--') ? argv[0] : undefined;
  const flags = parseFlags(path ? argv.slice(1) : argv, {
    values: ['step', 'group'],
    switches: ['json'],
  });
  if ('error' in flags) return usage(io, flags.error);
  if (!path) return usage(io, 'missing PATH');
  let run: ImportedRun;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  try {
    run = await openRun(path, await runSources(path));
  } catch (e) {
    io.stderr(`import-run: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
  const loadMs = performance.now() - t0;
  const summary = runSummary(run, loadMs, (process.memoryUsage().heapUsed - heap0) / 2 ** 20);
  for (const p of run.problems.slice(0, 20))
    io.stderr(`${p.file}${p.line ? ` line ${p.line}` : ''}: ${p.message}\n`);
  if (run.problemCount > 20) io.stderr(`... and ${run.problemCount - 20} more problems\n`);
  if (flags.switches.has('json')) {
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [
    `${run.name}: ${run.format}, ${summary.rollouts} rollouts in ${summary.groups} groups over ${summary.steps} steps, ${run.files.length} files (${(run.bytes / 2 ** 20).toFixed(1)} MB), read in ${summary.loadMs} ms`,
    `per completion: text, reward${run.facts.advantage ? ', advantage' : ''}${run.componentNames.length ? `, ${run.componentNames.join(', ')}` : ''}${run.facts.perToken ? ', per-token values' : ''}`,
    ...run.facts.absent.map((a) => `absent: ${a}`),
    ...(run.duplicates ? [`skipped ${run.duplicates} repeated rows`] : []),
    ...(run.problemCount ? [`${run.problemCount} lines could not be read (listed on stderr)`] : []),
  ];
  const step = flags.values.step;
  const group = flags.values.group;
  if (group) {
    const m = /^(\d+):(\d+)$/.exec(group);
    const gi = m
      ? run.groups.findIndex((g) => g.step === Number(m[1]) && g.index === Number(m[2]) - 1)
      : -1;
    if (gi < 0)
      return usage(io, `--group ${group}: no such question (use S:Q, e.g. 1:1; see --step S)`);
    const g = run.groups[gi];
    lines.push(
      '',
      `step ${g.step} Q${g.index + 1}${g.groundTruth ? ` (answer ${g.groundTruth})` : ''}: ${g.prompt}`,
    );
    for (const [k, d] of (await readGroup(run, gi)).entries()) {
      const parts = Object.entries(d.components).map(([k, v]) => `${k} ${fmt(v)}`);
      lines.push(
        '',
        `#${k + 1} reward ${fmt(d.reward)} advantage ${Number.isNaN(d.advantage) ? 'absent' : fmt(d.advantage)}${parts.length ? ` (${parts.join(', ')})` : ''}`,
        d.completion,
      );
    }
  } else if (step) {
    lines.push('', 'Q   rollouts  mean reward  prompt');
    for (const g of run.groups.filter((x) => x.step === Number(step)))
      lines.push(
        `${String(g.index + 1).padEnd(3)} ${String(g.count).padStart(8)}  ${fmt(g.meanReward).padStart(11)}  ${g.prompt.replace(/\s+/g, ' ').slice(0, 80)}`,
      );
  } else lines.push('', ...stepTable(run));
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

function usage(io: CliIo, error: string): number {
  io.stderr(`import-run: ${error}\n${IMPORT_RUN_USAGE}\n`);
  return EXIT.usage;
}

export const importRunCommand: CliCommand = {
  summary: 'open a verl rollout dump, TRL completions or trajectories.jsonl read-only',
  usage: IMPORT_RUN_USAGE,
  run: runImportRun,
};
