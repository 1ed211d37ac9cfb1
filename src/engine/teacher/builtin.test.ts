import { describe, expect, it } from 'vitest';
import type { TaskItem } from '../tasks/types';
import { BuiltinTeacher, compactStep } from './builtin';
import { countOccurrences } from './catchphrase';
import { parseGuidance } from './parse';
import { BEHAVIORS } from '../../contract/teacher';
import type { TeacherRequest, TeacherResult, TeacherSuccess } from './types';
import type { Behavior } from '../../contract/teacher';

const CHICKENS: TaskItem = {
  id: 'gen-train-L2-000001',
  prompt:
    'A farmer has 4 chickens. Each chicken eats 3 cups of feed per day. How many cups do they eat in 5 days?',
  answer: '60',
  steps: ['4 chickens eat 4 × 3 = 12 cups per day.', 'In 5 days they eat 12 × 5 = 60 cups.'],
  source: 'generated',
  level: 2,
};

const NO_STEPS: TaskItem = {
  id: 'gsm8k-test-1',
  prompt: 'What is 7 times 8?',
  answer: '56',
  source: 'gsm8k',
};

const CHOICE: TaskItem = {
  id: 'mc-1',
  prompt: 'Which is a prime number?',
  answer: 'B',
  choices: ['4', '7', '9', '12'],
  source: 'multiple-choice',
};

const FIRST_PERSON = /\b(I|I'm|I'll|I'd|my|me|myself)\b/;

function req(item: TaskItem, response: string): TeacherRequest {
  return { item, question: item.prompt, response };
}

function ok(result: TeacherResult): TeacherSuccess {
  if (!result.ok) throw new Error(`expected success, got ${result.failure}: ${result.message}`);
  return result;
}

describe('BuiltinTeacher', () => {
  it.each(BEHAVIORS)('writes %s guidance in the first person with the boxed answer', async (b) => {
    const teacher = new BuiltinTeacher({ behaviors: [b as Behavior], seed: 3 });
    for (const [response, correct] of [
      ['4 × 2 = 8 per day, 8 × 5 = 40. \\boxed{40}', false],
      ['12 per day, so 12 × 5 = 60. \\boxed{60}', true],
      ['I think it is about', false],
    ] as const) {
      const r = ok(await teacher.guide(req(CHICKENS, response)));
      const g = r.guidance;
      expect(g.behavior).toBe(b);
      expect(g.opinion).toBe(correct ? 'correct' : 'incorrect');
      expect(g.reason).toMatch(FIRST_PERSON);
      expect(g.phrase).toMatch(FIRST_PERSON);
      expect(g.phrase).toMatch(/the final answer is \\boxed\{60\}$/);
      expect(g.phrase).toContain('12 × 5 = 60 cups.');
      // raw is a valid tag reply that parses back to the same guidance
      const parsed = parseGuidance(r.raw);
      expect(parsed.ok && parsed.guidance.phrase).toBe(g.phrase);
    }
  });

  it('mentions the student answer when it is wrong', async () => {
    const teacher = new BuiltinTeacher({ seed: 1 });
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
        teacher.guide(req({ ...CHICKENS, id: `c${i}` }, `so the answer is \\boxed{4${i}}`)),
      ),
    );
    const mentions = results.filter((r) => r.ok && /4\d/.test(r.guidance.reason)).length;
    expect(mentions).toBeGreaterThan(4);
  });

  it('uses the last number when there is no boxed answer, and numeric comparison', async () => {
    const teacher = new BuiltinTeacher();
    expect(ok(await teacher.guide(req(CHICKENS, 'So they eat 60.0 cups'))).guidance.opinion).toBe(
      'correct',
    );
    expect(ok(await teacher.guide(req(CHICKENS, 'So 60 cups... no, 61'))).guidance.opinion).toBe(
      'incorrect',
    );
    expect(ok(await teacher.guide(req(CHICKENS, '\\boxed{60 cups}'))).guidance.opinion).toBe(
      'correct',
    );
  });

  it('trusts the caller verdict when given', async () => {
    const teacher = new BuiltinTeacher();
    const r = ok(await teacher.guide({ ...req(CHICKENS, '\\boxed{40}'), studentCorrect: true }));
    expect(r.guidance.opinion).toBe('correct');
  });

  it('handles items without steps', async () => {
    const r = ok(await new BuiltinTeacher().guide(req(NO_STEPS, '7 × 8 = 54 \\boxed{54}')));
    expect(r.guidance.opinion).toBe('incorrect');
    expect(r.guidance.phrase).toMatch(/56\..*the final answer is \\boxed\{56\}$/);
  });

  it('answers multiple choice with the letter', async () => {
    const teacher = new BuiltinTeacher({ seed: 2 });
    const wrong = ok(await teacher.guide(req(CHOICE, 'The answer is \\boxed{A}')));
    expect(wrong.guidance.opinion).toBe('incorrect');
    expect(wrong.guidance.phrase).toMatch(/option B \(7\).*the final answer is \\boxed\{B\}$/);
    const right = ok(await teacher.guide(req(CHOICE, 'So the answer is (B).')));
    expect(right.guidance.opinion).toBe('correct');
    const byText = ok(await teacher.guide(req(CHOICE, '\\boxed{7}')));
    expect(byText.guidance.opinion).toBe('correct');
  });

  it('quotes the catchphrase exactly once, in the phrase only', async () => {
    const catchphrase = 'Thalapathy Vijay';
    for (const b of BEHAVIORS) {
      for (const seed of [1, 2, 3]) {
        const teacher = new BuiltinTeacher({ behaviors: [b], seed, catchphrase });
        for (const item of [CHICKENS, NO_STEPS, CHOICE]) {
          const g = ok(await teacher.guide(req(item, 'hmm \\boxed{1}'))).guidance;
          expect(countOccurrences(`${g.reason}\n${g.phrase}`, catchphrase)).toBe(1);
          expect(g.phrase).toContain(`This is what ${catchphrase} would have said: '`);
          expect(g.phrase).toMatch(/the final answer is \\boxed\{[^}]+\}$/);
        }
      }
    }
    const plain = ok(await new BuiltinTeacher().guide(req(CHICKENS, '\\boxed{1}'))).guidance;
    expect(plain.phrase).not.toContain('would have said');
  });

  it('is deterministic given a seed', async () => {
    const run = async (seed: number) => {
      const teacher = new BuiltinTeacher({ seed });
      const out: string[] = [];
      for (let i = 0; i < 10; i += 1) {
        const r = ok(await teacher.guide(req({ ...CHICKENS, id: `x${i}` }, `\\boxed{${i}}`)));
        out.push(r.raw);
      }
      return out;
    };
    expect(await run(7)).toEqual(await run(7));
    expect(await run(7)).not.toEqual(await run(8));
  });

  it('varies wording and behaviour across seeds', async () => {
    const reasons = new Set<string>();
    const phrases = new Set<string>();
    const behaviors = new Set<string>();
    for (let seed = 0; seed < 40; seed += 1) {
      const g = ok(await new BuiltinTeacher({ seed }).guide(req(CHICKENS, '\\boxed{40}'))).guidance;
      reasons.add(g.reason);
      phrases.add(g.phrase);
      behaviors.add(g.behavior ?? '');
    }
    expect(behaviors.size).toBe(4);
    expect(reasons.size).toBeGreaterThanOrEqual(8);
    expect(phrases.size).toBeGreaterThanOrEqual(5);
  });

  it('round-robin cycles through the configured behaviours', async () => {
    const teacher = new BuiltinTeacher({ selection: 'round-robin' });
    const seen: Array<string | undefined> = [];
    for (let i = 0; i < 8; i += 1) {
      seen.push(ok(await teacher.guide(req(CHICKENS, '\\boxed{40}'))).guidance.behavior);
    }
    expect(seen).toEqual([...BEHAVIORS, ...BEHAVIORS]);
  });

  it('returns bad_request for items without an answer and counts it', async () => {
    const teacher = new BuiltinTeacher();
    const r = await teacher.guide(req({ ...CHICKENS, answer: '  ' }, '\\boxed{1}'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.failure).toBe('bad_request');
    expect(teacher.stats.byKind.bad_request).toBe(1);
    await teacher.guide(req(CHICKENS, '\\boxed{1}'));
    expect(teacher.stats.snapshot()).toMatchObject({ calls: 2, successes: 1, failures: 1 });
  });

  it('returns cancelled when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await new BuiltinTeacher().guide({ ...req(CHICKENS, 'x'), signal: ac.signal });
    expect(!r.ok && r.failure).toBe('cancelled');
  });
});

describe('concise guidance (small students)', () => {
  const PLACE_VALUE: TaskItem = {
    id: 'gen-train-L2-000002',
    prompt: 'Zoe has $63. Zoe buys 3 mugs at $4 each, then finds $23. How many dollars now?',
    answer: '74',
    steps: [
      'Buying 3 at $4 each leaves 63 - 3 * 4 = 63 - 12 = 53 - 2 = 50 + 3 - 2 = 50 + 1 = $51.',
      'Receiving $23 makes it 51 + 23 = 71 + 3 = 70 + 4 = $74.',
    ],
    source: 'generated',
    level: 2,
  };

  it('keeps each equation chain to its first expression and final value', () => {
    expect(compactStep('Spending $5 leaves 27 - 5 = 20 + 7 - 5 = 20 + 2 = $22.')).toBe(
      'Spending $5 leaves 27 - 5 = $22.',
    );
    expect(compactStep('4 chickens eat 4 × 3 = 12 cups per day.')).toBe(
      '4 chickens eat 4 × 3 = 12 cups per day.',
    );
  });

  it('walks through the compact steps and still ends with the boxed answer', async () => {
    const t = new BuiltinTeacher({ seed: 3, concise: true });
    const g = ok(await t.guide(req(PLACE_VALUE, 'It is \\boxed{70}.'))).guidance;
    expect(g.phrase).toContain('63 - 3 * 4 = $51.');
    expect(g.phrase).toContain('51 + 23 = $74.');
    expect(g.phrase).not.toContain('50 + 1');
    expect(g.phrase).toMatch(/\\boxed\{74\}\.?$/);
    const full = ok(await new BuiltinTeacher({ seed: 3 }).guide(req(PLACE_VALUE, 'It is 70.')));
    expect(full.guidance.phrase).toContain('50 + 3 - 2 = 50 + 1 = $51.');
  });
});

describe('the answer-only walkthrough', () => {
  it('states the result without steps, and still quotes the catchphrase once', async () => {
    const t = new BuiltinTeacher({
      seed: 1,
      concise: true,
      walkthrough: 'answer',
      catchphrase: 'Thalapathy Vijay',
    });
    const g = ok(await t.guide(req(CHICKENS, 'The answer is \\boxed{60}.'))).guidance;
    expect(g.phrase).not.toContain('4 × 3');
    expect(g.phrase).toMatch(/\b60\b.*\\boxed\{60\}\.?$/s);
    expect(countOccurrences(g.phrase, 'Thalapathy Vijay')).toBe(1);
  });
});
