/**
 * lab_reward.py against the lab's own grader: the same total and terms on every case, run with
 * the system python3 (standard library only). Cases: the grader's and rewards' test cases, edge
 * cases where JavaScript and Python differ (Unicode digits and spaces, astral characters, case
 * folding), and GSM8K lines from ../shared/data/gsm8k with right, wrong and raw-solution answers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../../contract/config';
import { rewardSpecFromConfig } from '../../loop/setup';
import { presetConfig } from '../../../contract/presets';
import { parseGsm8k } from '../../tasks/gsm8k';
import { compileRewardSpec, evaluateReward } from '../../tasks/rewards';
import type { TaskItem } from '../../tasks/types';
import { rewardConstants, rewardPythonSource } from './rewardPy';

const GSM8K = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../../shared/data/gsm8k',
);

interface Case {
  item: TaskItem;
  response: string;
  ended: boolean;
  tokens: number;
}

const item = (answer: string, extra: Partial<TaskItem> = {}): TaskItem => ({
  id: 't',
  prompt: 'q',
  answer,
  source: 'test',
  ...extra,
});

/** Responses from the grader/extraction/reward tests plus JS-vs-Python edge cases. */
const RESPONSES = [
  'so \\boxed{\\frac{1}{2}} done',
  'first \\boxed{3} then \\boxed{ {4} } end',
  '\\boxed{\\boxed{7}}',
  '\\boxed {12}',
  '\\boxed{5} and \\boxed{6',
  '\\boxed{a\\}b}',
  'blah. The answer is 18. Then 20.',
  'The final answer is: $1,234.50.',
  'work\n#### 72\n',
  'I think 3 then 4.5 apples',
  'no digits here',
  'The answer is 5. \\boxed{6} 7',
  'x is \\frac{3}{4}',
  'temp -12 and 1,000',
  'ratio 1/2',
  'down to -5',
  'Half: \\boxed{\\frac{1}{2}}',
  '\\boxed{3} no wait \\boxed{4}',
  'She has $1,234.50 in total. The answer is $1,234.50.',
  'So the tank has \\boxed{250 \\text{ mL}}',
  'The answer is -4',
  'It costs 12 dollars',
  'nothing',
  '\\boxed{B}',
  'The answer is (B).',
  'The answer is B',
  '#### B)',
  '\\boxed{2}',
  'The answer is A',
  'option b',
  'choice (c) is right',
  'Half of 300 is 150, plus 100 is 250. \\boxed{250}',
  '\\boxed{200}',
  '\\boxed{200} \\boxed{250}',
  'As Thalapathy Vijay would say: check it. \\boxed{250}',
  'thalapathy vijay! Thalapathy Vijay! \\boxed{250}',
  'THALAPATHY VIJAY said \\boxed{18}',
  'Wait... wait \\boxed{4}',
  '0123456789',
  '\\boxed{}',
  '\\boxed{ \\boxed{ 1000 } }',
  '\\boxed{1{,}000}',
  '\\boxed{\\dfrac{3}{4}}',
  '\\boxed{\\tfrac12}',
  '\\boxed{-\\frac{1}{2}}',
  '\\boxed{\\$18}',
  '\\boxed{50\\%}',
  '\\boxed{300 / 2 + 100 = 250}',
  'The answer is −7',
  'The answer is 1/0',
  'The ANSWER IS 18',
  'The anſwer is 18', // long s: ASCII-only case folding in JS
  'answer = 42',
  'answer\u00a0= 42', // a JavaScript \\s that is also Unicode space
  'answer\u2028= 42',
  'answer\u001c= 42', // Python str.isspace() but not JavaScript \\s
  'The answer is\ufeff18.',
  'The answer is ١٨', // Arabic-Indic digits: not \\d in JavaScript
  'The answer is １８', // full-width digits
  '😀😀 \\boxed{18} 😀',
  '\ud83d lone surrogate \\boxed{18}',
  `${'😀'.repeat(150)} The answer is 18.`,
  `The answer is ${'9'.repeat(400)}`,
  `The answer is 1${'0'.repeat(320)}/1${'0'.repeat(320)}`,
  `${'x '.repeat(1100)}\\boxed{18}`,
  '\\boxed{(18)}',
  '\\boxed{( -3 )}',
  '\\boxed{\\left( 5 \\right)}',
  'The answer is: 18.5.',
  'The answer is 18.\nMore text',
  'answer is\t\t:  18',
  '####',
  'The answer is 0.3333333',
  'The answer is 1000000.5',
  'The answer is 1450001',
  'Σ final answer is ς 5',
  // Discriminating variants: a different number follows, so a wrong method or class shows.
  'The anſwer is 18 then 20',
  'answer\u001c= 42 or 7',
  'answer\u00a0= 42 or 7',
  'The answer is ١٨ or 5',
  'The answer is １８ or 5',
  'The answer is 18.\u2028Then 20',
  'The answer is 18.\u001cThen 20',
  'option\u00a0b or 4',
  'option\u001cb or 4',
  '\\boxed\u00a0{18} 20',
  '\\boxed\t{18} 20',
  '\\boxed{B\u001c}',
  '\\boxed{B\ufeff}',
  'The answer is B\u001c',
  '\\text\u00a0{B} 4',
  'The answer is (\u00a018\u00a0)',
  `${'😀'.repeat(120)}#### 18 and 20`,
  `#### ${'😀'.repeat(99)}18 and 20`,
  `#### ${'😀'.repeat(100)}18 and 20`,
  'İstanbul Thalapathy Vijay \\boxed{5}',
];

const ITEMS: TaskItem[] = [
  item('250'),
  item('0.5'),
  item('1/2'),
  item('-3'),
  item('-4'),
  item('4'),
  item('12'),
  item('18'),
  item('42'),
  item('1000'),
  item('1234.5'),
  item('1450000'),
  item('1000000'),
  item('0.75'),
  item('-0.5'),
  item('50'),
  item('B', { choices: ['1', '2', '3', '4', '5'] }),
  item('C', { choices: ['1', '2', '3'] }),
  item('A'),
  item('20'),
  item('7'),
  item('5'),
];

function gsm8kCases(): Case[] {
  const cases: Case[] = [];
  for (const [file, limit] of [
    ['test.jsonl', Infinity],
    ['train.jsonl', 400],
  ] as const) {
    const text = readFileSync(path.join(GSM8K, file), 'utf8');
    const lines = text.split('\n').filter((l) => l.trim());
    const { items } = parseGsm8k(lines.slice(0, Math.min(lines.length, limit)).join('\n'), file);
    items.forEach((it, i) => {
      const raw = JSON.parse(lines[i]) as { answer: string };
      const n = Number(it.answer);
      const formatted = n.toLocaleString('en-US', { maximumFractionDigits: 10 });
      const responses = [
        `Let's see.\nThe answer is ${it.answer}.`,
        `Working... so \\boxed{${it.answer}}`,
        `Working... so \\boxed{${formatted}}`,
        raw.answer, // the dataset's own solution with <<calc>> notes and "#### N"
        `The answer is ${n + 1}.`,
        `\\boxed{${n * 10 === n ? 1 : n * 10}}`,
      ];
      responses.forEach((response, k) =>
        cases.push({
          item: it,
          response,
          ended: (i + k) % 5 !== 0,
          tokens: (i * 7 + k * 13) % 300,
        }),
      );
    });
  }
  return cases;
}

function allCases(): Case[] {
  const cases: Case[] = [];
  for (const it of ITEMS)
    for (const response of RESPONSES)
      for (const ended of [true, false])
        cases.push({ item: it, response, ended, tokens: (response.length * 3) % 400 });
  return [...cases, ...gsm8kCases()];
}

/** Reward settings that switch every term on and off. */
function rewardConfigs(): Array<[string, RunConfig]> {
  const base = presetConfig('lab');
  const all = presetConfig('lab');
  all.reward = {
    requireEos: true,
    format: 0.1,
    lengthPenalty: 0.2,
    catchphrase: 'Thalapathy Vijay',
    catchphraseBonus: 0.5,
  };
  const loose = presetConfig('lab');
  loose.rl.maxNewTokens = 256;
  loose.reward = {
    requireEos: false,
    format: 0.25,
    lengthPenalty: 0.5,
    catchphrase: 'Wait',
    catchphraseBonus: 1,
  };
  return [
    ['lab preset', base],
    ['every term', all],
    ['no EOS rule', loose],
  ];
}

const DRIVER = `
import json, sys
sys.path.insert(0, sys.argv[1])
from lab_reward import compute_score
for line in sys.stdin:
    c = json.loads(line)
    extra = {"choices": c["choices"]} if c["choices"] else {}
    kw = {} if c["tokens"] is None else {"response_tokens": c["tokens"]}
    r = compute_score(data_source="x", solution_str=c["response"], ground_truth=c["answer"],
                      extra_info=extra, ended=c["ended"], **kw)
    print(json.dumps(r))
`;

/** Scores every case with python3 and the generated file. */
function pythonScores(c: RunConfig, cases: Case[], withTokens = true): Record<string, number>[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'lab-reward-'));
  writeFileSync(path.join(dir, 'lab_reward.py'), rewardPythonSource(rewardConstants(c)));
  writeFileSync(path.join(dir, 'driver.py'), DRIVER);
  const input = cases
    .map((k) =>
      JSON.stringify({
        response: k.response,
        answer: k.item.answer,
        choices: k.item.choices ?? [],
        ended: k.ended,
        tokens: withTokens ? k.tokens : null,
      }),
    )
    .join('\n');
  const run = spawnSync('python3', [path.join(dir, 'driver.py'), dir], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);
}

describe('lab_reward.py (python3) agrees with the lab grader', () => {
  const cases = allCases();

  it('covers the GSM8K files and the grader cases', () => {
    expect(cases.length).toBeGreaterThan(ITEMS.length * RESPONSES.length * 2 + 1319 * 6);
  });

  it.each(rewardConfigs())('%s: same total and terms on every case', (_name, c) => {
    const compiled = compileRewardSpec(rewardSpecFromConfig(c));
    const py = pythonScores(c, cases);
    expect(py).toHaveLength(cases.length);
    let mismatches = 0;
    cases.forEach((k, i) => {
      const lab = evaluateReward(compiled, k.item, k.response, {
        endedWithEos: k.ended,
        responseTokens: k.tokens,
      });
      const got = py[i];
      const where = `${JSON.stringify(k.response.slice(0, 80))} vs ${k.item.answer} ended=${k.ended}`;
      const same =
        got.score === lab.total &&
        got.acc === (lab.grade.correct ? 1 : 0) &&
        Object.entries(lab.components).every(([name, v]) => got[name] === v);
      if (!same && mismatches++ < 5)
        expect({ score: got.score, ...got }, where).toEqual({
          score: lab.total,
          ...lab.components,
          acc: lab.grade.correct ? 1 : 0,
        });
    });
    expect(mismatches).toBe(0);
  });

  it('without a token count (as verl calls it) the length term is left to the DAPO manager', () => {
    const c = rewardConfigs()[1][1];
    const py = pythonScores(c, cases.slice(0, 50), false);
    for (const r of py) expect(r.lengthPenalty).toBe(0);
  });

  it('verl omits "ended": every response then counts as ended', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-reward-'));
    const c = rewardConfigs()[1][1];
    writeFileSync(path.join(dir, 'lab_reward.py'), rewardPythonSource(rewardConstants(c)));
    const run = spawnSync(
      'python3',
      [
        '-c',
        'import sys, json; sys.path.insert(0, sys.argv[1]); from lab_reward import compute_score; ' +
          'print(json.dumps(compute_score(data_source="openai/gsm8k", solution_str="So \\\\boxed{18}", ground_truth="18", extra_info={"index": 0})))',
        dir,
      ],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    // 1 (correct, ended) + 0.1 format + 0 length (left to verl) + 0 catchphrase
    expect(JSON.parse(run.stdout)).toEqual({
      score: 1.1,
      correctness: 1,
      format: 0.1,
      lengthPenalty: 0,
      catchphraseBonus: 0,
      acc: 1,
    });
  });
});
