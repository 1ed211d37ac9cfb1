/**
 * Fuzz over what reads outside input: the GSM8K JSONL loader, answer extraction and grading, the
 * teacher reply parser and the CLI grade command. Seeded (mulberry32), bounded: random bytes,
 * JSON-ish token soup, mutated good lines, a 1 MB line, 10k nested braces. Nothing may throw;
 * results keep their invariants. Time per line is bounded by construction (the loader skips
 * lines over MAX_LINE_CHARS unparsed; every scan is linear); the 1 MB cases print their time.
 */
import { describe, expect, it } from 'vitest';
import { runGrade, type GradeIo } from '../../cli/commands/grade';
import { mulberry32, type Rng } from '../random';
import { parseGuidance } from '../teacher/parse';
import { extractAnswer, findBoxed } from './answer';
import { gradeResponse } from './grade';
import { MAX_LINE_CHARS, parseGsm8k } from './gsm8k';
import { parseLetterAnswer, parseNumericAnswer } from './numberParsing';
import type { TaskItem } from './types';

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
const int = (rng: Rng, n: number) => Math.floor(rng.next() * n);

/** Random bytes read as UTF-8 (invalid sequences become U+FFFD) or as Latin-1. */
function randomBytesText(rng: Rng, n: number): string {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = int(rng, 256);
  return rng.next() < 0.5
    ? new TextDecoder('utf-8').decode(bytes)
    : new TextDecoder('latin1').decode(bytes);
}

const SOUP = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  '\\',
  '\n',
  ' ',
  '"question"',
  '"answer"',
  '####',
  '\\boxed{',
  '\\frac{',
  '<<',
  '>>',
  '1',
  '-3.5',
  '1,000',
  'null',
  'true',
  '1e999',
  '\u0000',
  '\ud800',
  'The answer is',
  '<reason>',
  '</reason>',
  '<think>',
];

/** JSON-ish token soup. */
function soup(rng: Rng, tokens: number): string {
  let s = '';
  for (let i = 0; i < tokens; i++) s += pick(rng, SOUP);
  return s;
}

const GOOD = JSON.stringify({
  question: 'Tom has 3 apples and buys 4 more. How many apples does he have?',
  answer: 'He has 3 + 4 = <<3+4=7>>7 apples.\n#### 7',
});

/** A good line with a few random edits (deleted, inserted or replaced characters). */
function mutate(rng: Rng, line: string): string {
  let s = line;
  for (let k = 1 + int(rng, 4); k > 0; k--) {
    const at = int(rng, s.length + 1);
    const op = int(rng, 3);
    if (op === 0) s = s.slice(0, at) + s.slice(at + 1);
    else if (op === 1) s = s.slice(0, at) + pick(rng, SOUP) + s.slice(at);
    else s = s.slice(0, at) + pick(rng, SOUP) + s.slice(at + 2);
  }
  return s;
}

const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/;
const ITEM: TaskItem = { id: 'q', prompt: 'q', answer: '7', source: 'gsm8k' };

/** One random document of 1-8 lines, each from one of the generators. */
function randomDoc(rng: Rng): string {
  const lines: string[] = [];
  for (let n = 1 + int(rng, 8); n > 0; n--) {
    const kind = int(rng, 4);
    if (kind === 0) lines.push(randomBytesText(rng, int(rng, 300)));
    else if (kind === 1) lines.push(soup(rng, int(rng, 60)));
    else if (kind === 2) lines.push(mutate(rng, GOOD));
    else lines.push(GOOD);
  }
  return lines.join(pick(rng, ['\n', '\r\n', '\n\n']));
}

describe('GSM8K loader fuzz', () => {
  it('never throws on 400 random documents; items are well formed, errors name their line', () => {
    const rng = mulberry32(20261126);
    let items = 0;
    let errors = 0;
    for (let d = 0; d < 400; d++) {
      const doc = randomDoc(rng);
      const r = parseGsm8k(doc, 'fuzz');
      const lines = doc.split('\n').length;
      for (const it of r.items) {
        expect(typeof it.prompt).toBe('string');
        expect(it.prompt.length).toBeGreaterThan(0);
        expect(it.answer).toMatch(PLAIN_NUMBER);
      }
      for (const e of r.errors) {
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.line).toBeLessThanOrEqual(lines);
        expect(e.message.length).toBeGreaterThan(0);
      }
      items += r.items.length;
      errors += r.errors.length;
    }
    // The generators reach both outcomes.
    expect(items).toBeGreaterThan(100);
    expect(errors).toBeGreaterThan(100);
  });

  it('a line over the limit is reported unparsed; 10k nested braces are an error, not a crash', () => {
    const mb = 'x'.repeat(1 << 20);
    const doc = [
      JSON.stringify({ question: mb, answer: '#### 1' }),
      '{'.repeat(10_000),
      '{"question":' + '['.repeat(10_000) + ']'.repeat(10_000) + ',"answer":"#### 2"}',
      '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
      GOOD,
    ].join('\n');
    const r = parseGsm8k(doc, 'big');
    expect(r.items.map((i) => i.answer)).toEqual(['7']);
    expect(r.errors.map((e) => e.line)).toEqual([1, 2, 3, 4]);
    expect(r.errors[0].message).toMatch(
      new RegExp(`over the ${MAX_LINE_CHARS} read per line.*one problem per line`),
    );
    expect(r.errors[1].message).toMatch(/invalid JSON/);
    expect(r.errors[2].message).toMatch(/"question" must be a string, got array/);
    expect(r.errors[3].message).toMatch(/missing field "question"/);
  });
});

describe('grader and reply parser fuzz', () => {
  it('extraction, grading and reply parsing never throw on 1500 random texts', () => {
    const rng = mulberry32(7);
    const letter: TaskItem = { ...ITEM, answer: 'B', choices: ['1', '2', '3'] };
    for (let i = 0; i < 1500; i++) {
      const text =
        i % 3 === 0
          ? randomBytesText(rng, int(rng, 400))
          : i % 3 === 1
            ? soup(rng, int(rng, 80))
            : mutate(rng, 'I add 3 + 4 = 7. The answer is \\boxed{7}.');
      const ex = extractAnswer(text);
      expect(ex.boxedCount).toBe(findBoxed(text).length);
      expect(ex.value === null || typeof ex.value === 'string').toBe(true);
      for (const item of [ITEM, letter]) {
        const g = gradeResponse(item, text, { endedWithEos: rng.next() < 0.5 });
        expect(typeof g.correct).toBe('boolean');
        expect(g.format.exactlyOneBoxed).toBe(g.boxedCount === 1);
      }
      const n = parseNumericAnswer(text);
      expect(n === null || Number.isFinite(n)).toBe(true);
      const l = parseLetterAnswer(text);
      expect(l === null || /^[A-E]$/.test(l)).toBe(true);
      const p = parseGuidance(text);
      if (!p.ok) expect(p.message.length).toBeGreaterThan(0);
    }
  });

  it('1 MB adversarial texts: no exception, sensible answers (time reported, not asserted)', () => {
    const MB = 1 << 20;
    const cases: Record<string, [string, string | null]> = {
      digits: ['1'.repeat(MB), '1'.repeat(MB)],
      'comma groups': ['1,234'.repeat(MB / 5), null],
      'open braces': ['{'.repeat(MB), null],
      'unclosed boxed': ['\\boxed{'.repeat(MB / 7), null],
      // Unwrapping stops after 100 levels (a bound on the work): no answer, not correct.
      '10k nested boxed': ['\\boxed{'.repeat(10_000) + '7' + '}'.repeat(10_000), null],
      'many boxed': ['\\boxed{1}'.repeat(MB / 9 - 1) + '\\boxed{7}', '7'],
      'answer is, repeated': ['answer is '.repeat(MB / 10) + 'answer is 7.', '7'],
      fractions: ['1/'.repeat(MB / 2), null],
      tags: ['<reason>'.repeat(MB / 8), null],
    };
    const times: string[] = [];
    for (const [name, [text, want]] of Object.entries(cases)) {
      const t0 = performance.now();
      const g = gradeResponse(ITEM, text, { endedWithEos: true });
      const p = parseGuidance(text);
      times.push(`${name} ${(performance.now() - t0).toFixed(0)} ms`);
      expect(p.ok).toBe(false);
      if (want !== null) expect(g.extracted).toBe(want);
      expect(g.correct).toBe(want === '7');
    }
    console.info(`grade + parse, 1 MB inputs: ${times.join(', ')}`);
  });
});

describe('grade command fuzz', () => {
  it('random files give a clear exit code and message, never an exception', async () => {
    const rng = mulberry32(99);
    for (let i = 0; i < 40; i++) {
      const files: Record<string, string> = {
        'data.jsonl': i % 4 === 0 ? randomBytesText(rng, 500) : randomDoc(rng),
        'responses.jsonl':
          i % 2 === 0
            ? soup(rng, 50)
            : `{"index":0,"response":${JSON.stringify(soup(rng, 30))}}\n${randomBytesText(rng, 80)}`,
      };
      const err: string[] = [];
      const io: GradeIo = {
        readFile: async (p) => {
          if (!(p in files)) throw new Error(`no such file: ${p}`);
          return files[p];
        },
        writeFile: async () => undefined,
        stdout: () => undefined,
        stderr: (t) => void err.push(t),
      };
      const code = await runGrade({ dataPath: 'data.jsonl', responsesPath: 'responses.jsonl' }, io);
      expect([0, 1]).toContain(code);
      if (code === 1) expect(err.join('').length).toBeGreaterThan(0);
    }
  });
});
