import { describe, expect, it } from 'vitest';
import { parseGuidance } from './parse';
import { formatGuidance } from '../../contract/teacher';

const GOOD =
  '<opinion>incorrect</opinion>\n<reason>I forgot the pen.</reason>\n<phrase>So the final answer is \\boxed{6}.</phrase>';

function expectOk(raw: string) {
  const r = parseGuidance(raw);
  if (!r.ok) throw new Error(`expected ok, got: ${r.message}`);
  return r.guidance;
}

function expectFail(raw: string): string {
  const r = parseGuidance(raw);
  if (r.ok) throw new Error('expected a format failure');
  return r.message;
}

describe('parseGuidance', () => {
  it('parses the three tags', () => {
    expect(expectOk(GOOD)).toEqual({
      opinion: 'incorrect',
      reason: 'I forgot the pen.',
      phrase: 'So the final answer is \\boxed{6}.',
    });
  });

  it('tolerates surrounding whitespace and whitespace inside tags', () => {
    const g = expectOk(
      `\n\n  <opinion> correct </opinion><reason>\n ok \n</reason>  <phrase> p </phrase>\n `,
    );
    expect(g).toEqual({ opinion: 'correct', reason: 'ok', phrase: 'p' });
  });

  it('is case-insensitive in tag names and opinion value', () => {
    const g = expectOk('<OPINION>Correct</OPINION><Reason>r</Reason><PHRASE>p</phrase>');
    expect(g.opinion).toBe('correct');
  });

  it('accepts the tags in any order', () => {
    expect(expectOk('<reason>r</reason><phrase>p</phrase><opinion>correct</opinion>').reason).toBe(
      'r',
    );
  });

  it('skips a leading <think> block', () => {
    const g = expectOk(
      `<think>\nThe student forgot the pen. <opinion>?</opinion>\n</think>\n${GOOD}`,
    );
    expect(g.reason).toBe('I forgot the pen.');
  });

  it('skips a block that was opened by the chat template (only </think> present)', () => {
    expect(expectOk(`Okay, the student forgot the pen.\n</think>\n\n${GOOD}`).opinion).toBe(
      'incorrect',
    );
  });

  it('keeps a </think> that is part of the phrase', () => {
    const g = expectOk('<opinion>correct</opinion><reason>r</reason><phrase>a </think> b</phrase>');
    expect(g.phrase).toBe('a </think> b');
  });

  it('fails on an unclosed <think> block', () => {
    expect(expectFail(`<think>hmm ${GOOD}`)).toMatch(/never closed/);
  });

  it('strips markdown code fences', () => {
    expect(expectOk('```xml\n' + GOOD + '\n```').phrase).toContain('\\boxed{6}');
    expect(expectOk('```\n' + GOOD + '\n```').opinion).toBe('incorrect');
    expect(expectOk('<think>x</think>\n```\n' + GOOD + '\n```').opinion).toBe('incorrect');
  });

  it('keeps math with < and > inside tags', () => {
    const g = expectOk(
      '<opinion>correct</opinion><reason>x < 3 and y > 2</reason><phrase>p</phrase>',
    );
    expect(g.reason).toBe('x < 3 and y > 2');
  });

  it('names the missing tag', () => {
    expect(expectFail('<opinion>correct</opinion><reason>r</reason>')).toMatch(/missing <phrase>/);
    expect(expectFail('<opinion>correct</opinion>')).toMatch(/<reason>, <phrase> tags/);
    expect(expectFail('<opinion>correct</opinion><reason>r</reason><phrase>p')).toMatch(
      /<phrase> is never closed/,
    );
  });

  it('fails on plain text without tags', () => {
    expect(expectFail('The student is right, the answer is 42.')).toMatch(
      /text outside the tags.*expected <opinion>/,
    );
  });

  it('fails on text outside the tags', () => {
    expect(expectFail(`Sure! Here is my feedback:\n${GOOD}`)).toMatch(/text outside the tags/);
    expect(expectFail(`${GOOD}\nHope this helps.`)).toMatch(/text outside the tags: "Hope/);
  });

  it('fails on a wrong opinion value', () => {
    expect(expectFail('<opinion>partly</opinion><reason>r</reason><phrase>p</phrase>')).toMatch(
      /must be "correct" or "incorrect", got "partly"/,
    );
  });

  it('fails on empty reason or phrase', () => {
    expect(expectFail('<opinion>correct</opinion><reason> </reason><phrase>p</phrase>')).toMatch(
      /<reason> tag is empty/,
    );
    expect(expectFail('<opinion>correct</opinion><reason>r</reason><phrase></phrase>')).toMatch(
      /<phrase> tag is empty/,
    );
  });

  it('fails on duplicate tags and empty replies', () => {
    expect(expectFail(`${GOOD}<reason>again</reason>`)).toMatch(/appears twice/);
    expect(expectFail('   ')).toMatch(/empty/);
  });

  it('runs in bounded time on huge adversarial inputs', () => {
    const inputs = [
      '<opinion>'.repeat(200_000),
      `<opinion>correct</opinion><reason>${'<'.repeat(1_000_000)}`,
      `<think>${'</thin'.repeat(200_000)}`,
      `${'</think>'.repeat(100_000)}${GOOD}`,
      ' '.repeat(2_000_000) + 'x',
      '```'.repeat(300_000),
    ];
    const start = performance.now();
    for (const input of inputs) parseGuidance(input);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('formatGuidance round-trips', () => {
    const g = { opinion: 'correct' as const, reason: 'r', phrase: 'p \\boxed{1}' };
    expect(expectOk(formatGuidance(g))).toEqual(g);
  });
});
