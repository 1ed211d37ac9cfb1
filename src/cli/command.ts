/**
 * The lab CLI's command shape and a small argv parser: `--name value`, `--name=value`, repeatable list flags
 * (`--set a=1 --set b=2`) and boolean switches. Unknown flags are errors naming the valid ones.
 */

export interface FlagSpec {
  /** Flags taking one value (the last one wins). */
  values?: readonly string[];
  /** Flags taking a value, repeatable. */
  lists?: readonly string[];
  /** Flags without a value. */
  switches?: readonly string[];
}

export interface ParsedFlags {
  values: Record<string, string>;
  lists: Record<string, string[]>;
  switches: Set<string>;
}

/** Parses argv (after the command name) against a spec; returns an error message on misuse. */
export function parseFlags(
  argv: readonly string[],
  spec: FlagSpec,
): ParsedFlags | { error: string } {
  const values = new Set(spec.values ?? []);
  const lists = new Set(spec.lists ?? []);
  const switches = new Set(spec.switches ?? []);
  const out: ParsedFlags = { values: {}, lists: {}, switches: new Set() };
  const valid = [...values, ...lists, ...switches].map((f) => `--${f}`).join(', ');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--'))
      return { error: `unexpected argument "${arg}". Valid flags: ${valid}.` };
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (switches.has(name)) {
      if (eq >= 0) return { error: `--${name} takes no value` };
      out.switches.add(name);
      continue;
    }
    if (!values.has(name) && !lists.has(name))
      return { error: `unknown flag "--${name}". Valid flags: ${valid}.` };
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--'))
        return { error: `--${name} needs a value` };
      i++;
    }
    if (lists.has(name)) (out.lists[name] ??= []).push(value);
    else out.values[name] = value;
  }
  return out;
}

/** A positive integer flag value, or an error message. */
export function intFlag(name: string, raw: string | undefined, fallback: number): number | string {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : `--${name} must be a positive integer (got "${raw}")`;
}

/** Where a command writes; injectable for tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Process streams. */
export const nodeIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** One CLI command: `npm run lab -- <name> [flags]`. run returns the exit code. */
export interface CliCommand {
  summary: string;
  /** Full help text, printed for --help. */
  usage: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by the commands. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
