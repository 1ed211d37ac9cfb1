/**
 * GSM8K JSONL ({"question": ..., "answer": "...worked lines...\n#### 72"}) to TaskItems.
 * Malformed lines are reported with 1-based line numbers and skipped; parsing never throws.
 */
import type { TaskItem } from './types';

/** One problem found while parsing (line is 1-based). */
export interface ParseError {
  line: number;
  message: string;
}

/** Parsed items plus the lines that were skipped and why. */
export interface Gsm8kParseResult {
  items: TaskItem[];
  errors: ParseError[];
}

/**
 * Longest line read, in characters. GSM8K lines are under 2 KB; a longer one is reported and
 * skipped unparsed, so the work per line stays bounded whatever the file holds.
 */
export const MAX_LINE_CHARS = 256 * 1024;

/** A plain decimal number after commas are removed: -12, 3.5. */
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/;

/** Remove calculator annotations: "16-3-4=<<16-3-4=9>>9" -> "16-3-4=9" (non-nested, linear). */
export function stripCalculatorAnnotations(text: string): string {
  return text.replace(/<<[^<>]*>>/g, '');
}

/** Split a GSM8K solution into worked steps (annotations stripped) and the final answer. */
export function splitSolution(
  solution: string,
): { steps: string[]; answer: string } | { error: string } {
  const at = solution.lastIndexOf('####');
  if (at < 0) return { error: 'answer has no "####" line with the final number' };
  const answer = solution
    .slice(at + 4)
    .trim()
    .replace(/,/g, '');
  if (!PLAIN_NUMBER.test(answer)) {
    return {
      error: `final answer after "####" is not a number: ${JSON.stringify(answer.slice(0, 40))}`,
    };
  }
  const steps = stripCalculatorAnnotations(solution.slice(0, at))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return { steps, answer };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Parse one non-blank line; returns the item or an error message. */
function parseLine(line: string, id: string): TaskItem | string {
  if (line.length > MAX_LINE_CHARS) {
    return `line is ${line.length} characters long, over the ${MAX_LINE_CHARS} read per line (GSM8K lines are under 2 KB): is this a JSONL file with one problem per line?`;
  }
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (err) {
    return `invalid JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    return `expected a JSON object, got ${describe(row)}`;
  }
  const { question, answer } = row as Record<string, unknown>;
  if (question === undefined) return 'missing field "question"';
  if (answer === undefined) return 'missing field "answer"';
  if (typeof question !== 'string') return `"question" must be a string, got ${describe(question)}`;
  if (typeof answer !== 'string') return `"answer" must be a string, got ${describe(answer)}`;
  if (question.trim().length === 0) return '"question" is empty';
  const solution = splitSolution(answer);
  if ('error' in solution) return solution.error;
  return {
    id,
    prompt: question.trim(),
    answer: solution.answer,
    steps: solution.steps,
    source: 'gsm8k',
  };
}

/**
 * Parse GSM8K JSONL text. Item ids are `gsm8k-<name>-<lineIndex>` (0-based line index in the
 * file); blank lines are ignored; bad lines go to `errors` with 1-based line numbers.
 */
export function parseGsm8k(text: string, name: string): Gsm8kParseResult {
  const items: TaskItem[] = [];
  const errors: ParseError[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    const result = parseLine(line, `gsm8k-${name}-${index}`);
    if (typeof result === 'string') errors.push({ line: index + 1, message: result });
    else items.push(result);
  });
  return { items, errors };
}

/** "https://host/data/test.jsonl?x=1" -> "test". */
export function datasetNameFromUrl(url: string): string {
  const path = url.split(/[?#]/)[0];
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.replace(/\.jsonl?$/i, '') || 'remote';
}

/**
 * Fetch and parse a GSM8K JSONL file. Rejects with a clear message when the request fails or
 * the server answers with a non-2xx status; line problems are returned in `errors`.
 */
export async function loadGsm8kFromUrl(
  url: string,
  fetchImpl: typeof fetch = fetch,
  name: string = datasetNameFromUrl(url),
): Promise<Gsm8kParseResult> {
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (err) {
    throw new Error(
      `could not fetch GSM8K data from ${url}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!response.ok) {
    throw new Error(`could not fetch GSM8K data from ${url}: HTTP ${response.status}`);
  }
  return parseGsm8k(await response.text(), name);
}
