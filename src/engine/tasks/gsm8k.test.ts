import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { datasetNameFromUrl, loadGsm8kFromUrl, parseGsm8k, splitSolution } from './gsm8k';

/** The shared data folder is a sibling of the repository root (../shared). */
const GSM8K_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/data/gsm8k',
);

describe('parseGsm8k on the real files', () => {
  for (const name of ['test', 'train']) {
    it(`parses every line of ${name}.jsonl`, () => {
      const text = readFileSync(path.join(GSM8K_DIR, `${name}.jsonl`), 'utf8');
      const { items, errors } = parseGsm8k(text, name);
      expect(errors).toEqual([]);
      expect(items.length).toBe(text.split('\n').filter((l) => l.trim()).length);
      expect(items[0].id).toBe(`gsm8k-${name}-0`);
      for (const item of items) {
        expect(item.answer).toMatch(/^-?\d+(\.\d+)?$/);
        expect(item.steps?.join('\n')).not.toMatch(/<<|>>|####/);
        expect(item.source).toBe('gsm8k');
      }
    });
  }

  it('matches the first test item exactly', () => {
    const text = readFileSync(path.join(GSM8K_DIR, 'test.jsonl'), 'utf8');
    const first = parseGsm8k(text, 'test').items[0];
    expect(first.answer).toBe('18');
    expect(first.steps).toEqual([
      'Janet sells 16 - 3 - 4 = 9 duck eggs a day.',
      'She makes 9 * 2 = $18 every day at the farmer’s market.',
    ]);
  });
});

describe('parseGsm8k on malformed input', () => {
  const good = JSON.stringify({ question: 'Q?', answer: 'a=<<1+1=2>>2\n#### 1,000' });
  const lines = [
    good,
    '',
    '{not json',
    JSON.stringify({ answer: '#### 3' }),
    JSON.stringify({ question: 'Q?' }),
    JSON.stringify({ question: 'Q?', answer: 'no final line' }),
    JSON.stringify({ question: 'Q?', answer: '#### twelve' }),
    JSON.stringify({ question: 7, answer: '#### 3' }),
    JSON.stringify({ question: 'Q?', answer: ['#### 3'] }),
    '[1, 2]',
    'null',
    '   ',
    JSON.stringify({ question: 'Q2?', answer: 'x\n#### -2.5' }),
  ];
  const { items, errors } = parseGsm8k(lines.join('\r\n'), 'bad');

  it('keeps the good lines with line-index ids, commas removed', () => {
    expect(items.map((i) => [i.id, i.answer])).toEqual([
      ['gsm8k-bad-0', '1000'],
      ['gsm8k-bad-12', '-2.5'],
    ]);
    expect(items[0].steps).toEqual(['a=2']);
  });

  it('reports each bad line with its 1-based number and reason', () => {
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const msg = (line: number): string => errors.find((e) => e.line === line)?.message ?? '';
    expect(msg(3)).toMatch(/invalid JSON/);
    expect(msg(4)).toMatch(/missing field "question"/);
    expect(msg(5)).toMatch(/missing field "answer"/);
    expect(msg(6)).toMatch(/####/);
    expect(msg(7)).toMatch(/not a number/);
    expect(msg(8)).toMatch(/"question" must be a string, got number/);
    expect(msg(9)).toMatch(/"answer" must be a string, got array/);
    expect(msg(10)).toMatch(/JSON object, got array/);
    expect(msg(11)).toMatch(/JSON object, got null/);
  });

  it('never throws and stays fast on hostile lines', () => {
    const hostile = [
      '<<'.repeat(200_000),
      JSON.stringify({ question: 'q', answer: '<<'.repeat(100_000) + '#### 1' }),
      JSON.stringify({ question: 'q', answer: `${'#'.repeat(100_000)} 5` }),
      '\u0000\uffff{{{{',
    ].join('\n');
    const t0 = performance.now();
    const r = parseGsm8k(hostile, 'h');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.items.map((i) => i.answer)).toEqual(['1', '5']);
    expect(r.errors.map((e) => e.line)).toEqual([1, 4]);
  });

  it('splitSolution uses the last ####', () => {
    expect(splitSolution('a #### b\n#### 4')).toEqual({ steps: ['a #### b'], answer: '4' });
  });
});

describe('loadGsm8kFromUrl', () => {
  it('fetches and parses with an injected fetch', async () => {
    const body = `${JSON.stringify({ question: 'Q', answer: '#### 5' })}\n`;
    const fake = (async () => new Response(body, { status: 200 })) as typeof fetch;
    const r = await loadGsm8kFromUrl('https://x.test/data/test.jsonl?v=1', fake);
    expect(r.items[0].id).toBe('gsm8k-test-0');
    expect(datasetNameFromUrl('https://x/y/train.jsonl')).toBe('train');
  });

  it('rejects with the URL and status on HTTP errors', async () => {
    const fake = (async () => new Response('nope', { status: 404 })) as typeof fetch;
    await expect(loadGsm8kFromUrl('https://x.test/a.jsonl', fake)).rejects.toThrow(/404/);
    const broken = (async () => {
      throw new Error('offline');
    }) as typeof fetch;
    await expect(loadGsm8kFromUrl('https://x.test/a.jsonl', broken)).rejects.toThrow(/offline/);
  });
});
