/**
 * CLI command `grade --data D.jsonl --responses R.jsonl [--out F] [--rewards JSON]`.
 * D is GSM8K JSONL ({question, answer}) or TaskItem JSONL ({id, prompt, answer, ...}),
 * detected from the keys of its first row. Each R line is {"index": i | "id": s,
 * "response": text, "ended"?: boolean (default true)}. Writes one JSON line per response
 * and a final {"summary": ...} line; returns an exit code (0 ok, 1 bad input, 2 usage).
 */
import { parseGsm8k, type ParseError } from '../../engine/tasks/gsm8k';
import {
  compileRewardSpec,
  DEFAULT_REWARD_SPEC,
  evaluateReward,
  parseRewardSpec,
  type RewardSpec,
} from '../../engine/tasks/rewards';
import type { TaskItem } from '../../engine/tasks/types';

/** Injectable input/output, so the command runs in tests without touching the disk. */
export interface GradeIo {
  readFile(path: string): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Arguments of runGrade. */
export interface GradeArgs {
  dataPath: string;
  responsesPath: string;
  /** Write results here; default stdout. */
  outPath?: string;
  rewardSpec?: RewardSpec;
}

/** One graded line of output. */
export interface GradedLine {
  line: number;
  id: string;
  /** The extracted answer, cut to MAX_ECHO_CHARS (a response can be megabytes long). */
  extracted: string | null;
  /** The extracted answer's full length, when it was cut. */
  extractedChars?: number;
  /** Set when the response opens a \boxed{ it never closes (no answer; see tasks/answer.ts). */
  unclosedBox?: true;
  correct: boolean;
  ended: boolean;
  boxedCount: number;
  rewards: Record<string, number>;
  total: number;
}

/** Most characters of an extracted answer echoed in a graded line. */
export const MAX_ECHO_CHARS = 200;

/** The extracted answer as echoed: at most MAX_ECHO_CHARS, with its full length when cut. */
function echoAnswer(extracted: string | null): Pick<GradedLine, 'extracted' | 'extractedChars'> {
  if (extracted === null || extracted.length <= MAX_ECHO_CHARS) return { extracted };
  return { extracted: `${extracted.slice(0, MAX_ECHO_CHARS)}…`, extractedChars: extracted.length };
}

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_USAGE = 2;

const MAX_REPORTED_ERRORS = 20;
const RESPONSE_EXAMPLE = '{"index": 0, "response": "... \\\\boxed{18}", "ended": true}';

/** Node file system and process streams. */
export async function createNodeGradeIo(): Promise<GradeIo> {
  const fs = await import('node:fs/promises');
  return {
    readFile: (path) => fs.readFile(path, 'utf8'),
    writeFile: (path, text) => fs.writeFile(path, text, 'utf8'),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  };
}

class InputError extends Error {}

function baseName(path: string): string {
  const file = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  return file.replace(/\.jsonl?$/i, '') || 'data';
}

function formatErrors(file: string, errors: readonly ParseError[], fix: string): string {
  const shown = errors
    .slice(0, MAX_REPORTED_ERRORS)
    .map((e) => `${file} line ${e.line}: ${e.message}`);
  const more =
    errors.length > MAX_REPORTED_ERRORS
      ? [`... and ${errors.length - MAX_REPORTED_ERRORS} more`]
      : [];
  return [...shown, ...more, `Fix: ${fix}`].join('\n');
}

function firstRowKeys(text: string): string[] {
  for (const line of text.split('\n')) {
    if (line.trim().length === 0) continue;
    try {
      const row: unknown = JSON.parse(line);
      return typeof row === 'object' && row !== null && !Array.isArray(row) ? Object.keys(row) : [];
    } catch {
      return [];
    }
  }
  return [];
}

/** Parse TaskItem JSONL: each line needs string id, prompt and answer. */
export function parseTaskItems(text: string): { items: TaskItem[]; errors: ParseError[] } {
  const items: TaskItem[] = [];
  const errors: ParseError[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim().length === 0) return;
    const line = index + 1;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (err) {
      errors.push({
        line,
        message: `invalid JSON (${err instanceof Error ? err.message : String(err)})`,
      });
      return;
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      errors.push({ line, message: 'expected a JSON object' });
      return;
    }
    const r = row as Record<string, unknown>;
    const missing = ['id', 'prompt', 'answer'].filter((k) => typeof r[k] !== 'string');
    if (missing.length > 0) {
      errors.push({
        line,
        message: `fields ${missing.map((k) => `"${k}"`).join(', ')} must be strings`,
      });
      return;
    }
    items.push({
      ...(r as unknown as TaskItem),
      source: typeof r.source === 'string' ? r.source : 'file',
    });
  });
  return { items, errors };
}

/** Load the data file, detecting GSM8K vs TaskItem rows by the first row's keys. */
function loadItems(path: string, text: string): TaskItem[] {
  const keys = firstRowKeys(text);
  const isTaskItems = keys.includes('prompt') && keys.includes('id');
  const isGsm8k = keys.includes('question');
  if (!isTaskItems && !isGsm8k) {
    throw new InputError(
      `${path}: cannot tell the format from the first row (keys: ${keys.join(', ') || 'none'}).\n` +
        'Fix: use GSM8K rows {"question", "answer": "... #### N"} or TaskItem rows {"id", "prompt", "answer"}.',
    );
  }
  const { items, errors } = isTaskItems ? parseTaskItems(text) : parseGsm8k(text, baseName(path));
  if (errors.length > 0) {
    const fix = isTaskItems
      ? 'every row needs string "id", "prompt" and "answer".'
      : 'every row needs string "question" and "answer" ending in "#### <number>".';
    throw new InputError(formatErrors(path, errors, fix));
  }
  if (items.length === 0)
    throw new InputError(`${path}: no items found.\nFix: add at least one row.`);
  return items;
}

interface ResponseRow {
  line: number;
  item: TaskItem;
  response: string;
  ended: boolean;
}

/** Parse the responses file and resolve each row to its item. */
function loadResponses(path: string, text: string, items: readonly TaskItem[]): ResponseRow[] {
  const byId = new Map(items.map((item) => [item.id, item]));
  const rows: ResponseRow[] = [];
  const errors: ParseError[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim().length === 0) return;
    const line = index + 1;
    const fail = (message: string): void => void errors.push({ line, message });
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (err) {
      return fail(`invalid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      return fail('expected a JSON object');
    }
    const r = row as Record<string, unknown>;
    if (typeof r.response !== 'string') return fail('"response" must be a string');
    if (r.ended !== undefined && typeof r.ended !== 'boolean') {
      return fail('"ended" must be true or false');
    }
    let item: TaskItem | undefined;
    if (r.index !== undefined) {
      if (typeof r.index !== 'number' || !Number.isInteger(r.index)) {
        return fail('"index" must be an integer');
      }
      item = items[r.index];
      if (!item)
        return fail(
          `"index" ${r.index} is out of range (data has ${items.length} items: 0..${items.length - 1})`,
        );
    } else if (r.id !== undefined) {
      if (typeof r.id !== 'string') return fail('"id" must be a string');
      item = byId.get(r.id);
      if (!item) return fail(`no item with "id" ${JSON.stringify(r.id)} in the data file`);
    } else {
      return fail('needs "index" (0-based item number) or "id"');
    }
    rows.push({ line, item, response: r.response, ended: r.ended ?? true });
  });
  if (errors.length > 0) {
    throw new InputError(
      formatErrors(path, errors, `each line must look like ${RESPONSE_EXAMPLE}.`),
    );
  }
  return rows;
}

/** Grade a responses file against a data file; returns the process exit code. */
export async function runGrade(args: GradeArgs, io?: GradeIo): Promise<number> {
  io ??= await createNodeGradeIo();
  try {
    const compiled = compileRewardSpec(args.rewardSpec ?? DEFAULT_REWARD_SPEC);
    const items = loadItems(args.dataPath, await readOrFail(io, args.dataPath));
    const rows = loadResponses(args.responsesPath, await readOrFail(io, args.responsesPath), items);
    const out: string[] = [];
    const sums: Record<string, number> = {};
    let correct = 0;
    let totalSum = 0;
    for (const row of rows) {
      const r = evaluateReward(compiled, row.item, row.response, { endedWithEos: row.ended });
      const graded: GradedLine = {
        line: row.line,
        id: row.item.id,
        ...echoAnswer(r.grade.extracted),
        ...(r.grade.unclosedBox ? { unclosedBox: true as const } : {}),
        correct: r.grade.correct,
        ended: row.ended,
        boxedCount: r.grade.boxedCount,
        rewards: r.components,
        total: r.total,
      };
      out.push(JSON.stringify(graded));
      if (r.grade.correct) correct++;
      totalSum += r.total;
      for (const [k, v] of Object.entries(r.components)) sums[k] = (sums[k] ?? 0) + v;
    }
    const n = rows.length;
    const mean = (x: number): number => (n === 0 ? 0 : x / n);
    const meanReward = Object.fromEntries(
      compiled.terms.map((t) => [t.label, mean(sums[t.label] ?? 0)]),
    );
    const summary = {
      count: n,
      correct,
      accuracy: mean(correct),
      meanReward,
      meanTotal: mean(totalSum),
    };
    out.push(JSON.stringify({ summary }));
    const text = `${out.join('\n')}\n`;
    if (args.outPath) {
      await io.writeFile(args.outPath, text);
      io.stderr(
        `graded ${n} responses: accuracy ${summary.accuracy.toFixed(4)} -> ${args.outPath}\n`,
      );
    } else {
      io.stdout(text);
    }
    return EXIT_OK;
  } catch (err) {
    io.stderr(`grade: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_BAD_INPUT;
  }
}

async function readOrFail(io: GradeIo, path: string): Promise<string> {
  try {
    return await io.readFile(path);
  } catch (err) {
    throw new InputError(
      `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}\nFix: check the path.`,
    );
  }
}

export const GRADE_USAGE =
  'usage: grade --data D.jsonl --responses R.jsonl [--out F.jsonl] [--rewards \'[{"name":"correctness"}]\']';

/** Parse argv (after the command name) into GradeArgs, or an error message. */
export function parseGradeArgv(argv: readonly string[]): GradeArgs | { error: string } {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!['--data', '--responses', '--out', '--rewards'].includes(flag)) {
      return { error: `unknown argument "${flag}"` };
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) return { error: `${flag} needs a value` };
    flags[flag] = value;
    i++;
  }
  if (!flags['--data']) return { error: 'missing --data' };
  if (!flags['--responses']) return { error: 'missing --responses' };
  let rewardSpec: RewardSpec | undefined;
  if (flags['--rewards']) {
    try {
      rewardSpec = parseRewardSpec(JSON.parse(flags['--rewards']));
    } catch (err) {
      return { error: `--rewards: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  return {
    dataPath: flags['--data'],
    responsesPath: flags['--responses'],
    outPath: flags['--out'],
    rewardSpec,
  };
}

/** Entry point for the CLI dispatcher: parse argv, run, return the exit code. */
export async function gradeCommand(argv: readonly string[], io?: GradeIo): Promise<number> {
  const realIo = io ?? (await createNodeGradeIo());
  const args = parseGradeArgv(argv);
  if ('error' in args) {
    realIo.stderr(`grade: ${args.error}\n${GRADE_USAGE}\n`);
    return EXIT_USAGE;
  }
  return runGrade(args, realIo);
}
