/**
 * The lab CLI: `npm run lab -- <command> [flags]`, `npm run lab -- <command> --help`.
 * Commands live in COMMANDS; add one by adding an entry (e.g. `train`, the RL loop).
 */
import { isMain } from './isMain';
import { EXIT, nodeIo, type CliCommand, type CliIo } from './command';
import { compareCommand } from './commands/compare';
import { evalCommand } from './commands/eval';
import { exportVerlCommand } from './commands/exportVerl';
import { GRADE_USAGE, gradeCommand } from './commands/grade';
import { importRunCommand } from './commands/importRun';
import { sftCommand } from './commands/sft';
import { trainCommand } from './commands/train';

export type { CliCommand, CliIo } from './command';

/** Command name -> command. */
export type CommandRegistry = Record<string, CliCommand>;

export const COMMANDS: CommandRegistry = {
  grade: {
    summary: 'grade a responses file against a data file',
    usage: GRADE_USAGE,
    run: (argv, io) => gradeCommand(argv, { ...io, ...fileIo }),
  },
  sft: sftCommand,
  eval: evalCommand,
  train: trainCommand,
  compare: compareCommand,
  'export-verl': exportVerlCommand,
  'import-run': importRunCommand,
};

const fileIo = {
  readFile: async (path: string) => (await import('node:fs/promises')).readFile(path, 'utf8'),
  writeFile: async (path: string, text: string) =>
    (await import('node:fs/promises')).writeFile(path, text, 'utf8'),
};

/** The top-level help: every command and its summary. */
export function mainUsage(registry: CommandRegistry = COMMANDS): string {
  const width = Math.max(...Object.keys(registry).map((n) => n.length));
  const lines = Object.entries(registry).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `usage: npm run lab -- <command> [flags]   (<command> --help for its flags)\n\ncommands:\n${lines.join('\n')}`;
}

/** Dispatches argv (without node and the script) to a command; returns the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo = nodeIo,
  registry: CommandRegistry = COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${mainUsage(registry)}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!command) {
    io.stderr(`unknown command "${name}". Valid commands: ${Object.keys(registry).join(', ')}.\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return EXIT.ok;
  }
  return command.run(rest, io);
}

if (isMain(import.meta.url, 'main')) {
  process.exitCode = await main(process.argv.slice(2));
}
