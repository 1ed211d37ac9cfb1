import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeCommand, parseGradeArgv, runGrade, type GradeIo } from './grade';

const dir = mkdtempSync(path.join(tmpdir(), 'grade-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: unknown[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return file;
}

/** Real files, captured streams. */
function captureIo(): GradeIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    readFile: async (p) => readFileSync(p, 'utf8'),
    writeFile: async (p, text) => writeFileSync(p, text),
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
  };
}

const gsm = write('mini.jsonl', [
  {
    question: 'Janet has 16 eggs and eats 3. How many are left?',
    answer: '16-3=<<16-3=13>>13\n#### 13',
  },
  { question: 'What is 2 + 2?', answer: '#### 4' },
]);

describe('grade command', () => {
  it('grades GSM8K data by index and id, writing per-line results and a summary', async () => {
    const responses = write('resp.jsonl', [
      { index: 0, response: 'So \\boxed{13}' },
      { index: 1, response: 'The answer is 5.' },
      { id: 'gsm8k-mini-1', response: '\\boxed{4}', ended: false },
      '',
    ]);
    const outPath = path.join(dir, 'out.jsonl');
    const io = captureIo();
    const code = await runGrade({ dataPath: gsm, responsesPath: responses, outPath }, io);
    expect(io.err.join('')).toMatch(/graded 3 responses/);
    expect(code).toBe(0);
    const lines = readFileSync(outPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({
      line: 1,
      id: 'gsm8k-mini-0',
      extracted: '13',
      correct: true,
      ended: true,
      rewards: { correctness: 1, format: 0.1 },
    });
    expect(lines[1]).toMatchObject({ correct: false, rewards: { correctness: 0, format: 0 } });
    expect(lines[2]).toMatchObject({ correct: true, ended: false, total: 0 });
    expect(lines[3].summary.count).toBe(3);
    expect(lines[3].summary.correct).toBe(2);
    expect(lines[3].summary.accuracy).toBeCloseTo(2 / 3);
    expect(lines[3].summary.meanReward.correctness).toBeCloseTo(1 / 3);
    expect(lines[3].summary.meanReward.format).toBeCloseTo(0.1 / 3);
  });

  it('grades an unclosed \\boxed{ as no answer and echoes at most 200 characters of one', async () => {
    const huge = '7'.repeat(5_000_000);
    const responses = write('odd.jsonl', [
      { index: 0, response: 'Left: \\boxed{13' },
      { index: 1, response: `\\boxed{${huge}}` },
    ]);
    const io = captureIo();
    expect(await runGrade({ dataPath: gsm, responsesPath: responses }, io)).toBe(0);
    const [unclosed, long] = io.out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(unclosed).toMatchObject({ extracted: null, unclosedBox: true, correct: false });
    expect(long.extracted).toBe(`${'7'.repeat(200)}…`);
    expect(long.extractedChars).toBe(5_000_000);
    expect(io.out.join('').length).toBeLessThan(2000);
  });

  it('reads TaskItem JSONL, a custom reward spec, and prints to stdout', async () => {
    const data = write('items.jsonl', [
      {
        id: 'mc1',
        prompt: 'Pick\nA) 1\nB) 2',
        answer: 'B',
        choices: ['1', '2'],
        source: 'multiple-choice',
      },
    ]);
    const responses = write('resp2.jsonl', [
      { id: 'mc1', response: 'Thalapathy Vijay says \\boxed{B}' },
    ]);
    const io = captureIo();
    const code = await gradeCommand(
      [
        '--data',
        data,
        '--responses',
        responses,
        '--rewards',
        '[{"name":"correctness"},{"name":"catchphraseBonus"}]',
      ],
      io,
    );
    expect(code).toBe(0);
    const lines = io.out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].rewards).toEqual({ correctness: 1, catchphraseBonus: 0.5 });
    expect(lines[0].total).toBe(1.5);
    expect(lines[1].summary.meanTotal).toBe(1.5);
  });

  it('fails with the line number and a fix on bad responses', async () => {
    const responses = write('bad.jsonl', [
      { index: 0, response: 'ok' },
      '{oops',
      { index: 7, response: 'x' },
      { id: 'nope', response: 'x' },
      { response: 'x' },
      { index: 0, response: 3 },
      { index: 0, response: 'x', ended: 'yes' },
    ]);
    const io = captureIo();
    const code = await runGrade({ dataPath: gsm, responsesPath: responses }, io);
    expect(code).toBe(1);
    expect(io.out).toEqual([]);
    const err = io.err.join('');
    expect(err).toContain(`${responses} line 2: invalid JSON`);
    expect(err).toContain('line 3: "index" 7 is out of range (data has 2 items: 0..1)');
    expect(err).toContain('line 4: no item with "id" "nope"');
    expect(err).toContain('line 5: needs "index"');
    expect(err).toContain('line 6: "response" must be a string');
    expect(err).toContain('line 7: "ended" must be true or false');
    expect(err).toContain('Fix: each line must look like');
  });

  it('fails clearly on bad data, unknown format, missing files and usage errors', async () => {
    const badData = write('baddata.jsonl', [
      { question: 'q', answer: '#### 1' },
      { question: 'q', answer: 'no hashes' },
    ]);
    const responses = write('r.jsonl', [{ index: 0, response: '1' }]);
    let io = captureIo();
    expect(await runGrade({ dataPath: badData, responsesPath: responses }, io)).toBe(1);
    expect(io.err.join('')).toMatch(/line 2: answer has no "####"[\s\S]*Fix:/);

    const odd = write('odd.jsonl', [{ foo: 1 }]);
    io = captureIo();
    expect(await runGrade({ dataPath: odd, responsesPath: responses }, io)).toBe(1);
    expect(io.err.join('')).toMatch(/cannot tell the format[\s\S]*keys: foo/);

    io = captureIo();
    expect(
      await runGrade({ dataPath: path.join(dir, 'missing.jsonl'), responsesPath: responses }, io),
    ).toBe(1);
    expect(io.err.join('')).toMatch(/cannot read .*missing\.jsonl/);

    io = captureIo();
    expect(await gradeCommand(['--data', gsm], io)).toBe(2);
    expect(io.err.join('')).toMatch(/missing --responses[\s\S]*usage:/);
    expect(parseGradeArgv(['--bogus', 'x'])).toEqual({ error: 'unknown argument "--bogus"' });
    expect(
      parseGradeArgv(['--data', 'd', '--responses', 'r', '--rewards', '[{"name":"zzz"}]']),
    ).toEqual({
      error: expect.stringMatching(/valid names: correctness/),
    });
  });

  it('uses an in-memory io without touching the disk', async () => {
    const files: Record<string, string> = {
      'd.jsonl': JSON.stringify({ question: 'q', answer: '#### 1,000' }),
      'r.jsonl': JSON.stringify({ index: 0, response: 'The answer is $1,000.' }),
    };
    const out: string[] = [];
    const io: GradeIo = {
      readFile: async (p) => {
        if (!(p in files)) throw new Error('ENOENT');
        return files[p];
      },
      writeFile: async (p, t) => void (files[p] = t),
      stdout: (t) => void out.push(t),
      stderr: () => undefined,
    };
    expect(
      await runGrade({ dataPath: 'd.jsonl', responsesPath: 'r.jsonl', outPath: 'o.jsonl' }, io),
    ).toBe(0);
    expect(JSON.parse(files['o.jsonl'].split('\n')[0])).toMatchObject({
      id: 'gsm8k-d-0',
      correct: true,
    });
  });
});
