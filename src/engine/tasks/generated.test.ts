import { describe, expect, it } from 'vitest';
import { generateProblems, generateTracedProblems, normalizeQuestion, splitOf } from './generated';
import { ALL_DOMAINS } from '../../contract/domains';
import type { TaskItem } from './types';
import { replay } from './wordProblems/ops';

/** Evaluate "a op b op c" with * and / before + and - (numbers are non-negative). */
function evalExpression(expr: string): number {
  const tokens = expr.split(' ');
  const terms: number[] = [Number(tokens[0])];
  const signs: number[] = [1];
  for (let i = 1; i < tokens.length; i += 2) {
    const op = tokens[i];
    const v = Number(tokens[i + 1]);
    if (op === '*') terms[terms.length - 1] *= v;
    else if (op === '/') terms[terms.length - 1] /= v;
    else {
      terms.push(v);
      signs.push(op === '-' ? -1 : 1);
    }
  }
  return terms.reduce((sum, t, i) => sum + signs[i] * t, 0);
}

const STEP_EXPR = /(\d+(?: [-+*/] \d+)+) = \$?(\d+)\b/;

/** Recompute an item from its stated steps; returns the final result. */
function recomputeFromSteps(item: TaskItem): number {
  const questionNumbers = (item.prompt.match(/\d+/g) ?? []).map(Number);
  let previous: number | undefined;
  for (const step of item.steps ?? []) {
    const m = STEP_EXPR.exec(step);
    expect(m, `step without "expr = result": ${step}`).not.toBeNull();
    const [, expr, result] = m as RegExpExecArray;
    expect(evalExpression(expr), `${item.id}: ${step}`).toBe(Number(result));
    const first = Number(expr.split(' ')[0]);
    // The chain: each step starts from the previous result (the first from a question number).
    if (previous === undefined) expect(questionNumbers).toContain(first);
    else expect(first, `${item.id}: ${step}`).toBe(previous);
    previous = Number(result);
  }
  return previous as number;
}

describe('generateProblems', () => {
  it('is deterministic for the same options', () => {
    const a = generateProblems({ seed: 11, count: 40, split: 'train' });
    const b = generateProblems({ seed: 11, count: 40, split: 'train' });
    const c = generateProblems({ seed: 12, count: 40, split: 'train' });
    expect(b).toEqual(a);
    expect(c.map((x) => x.prompt)).not.toEqual(a.map((x) => x.prompt));
  });

  it('gives correct items: the answer equals the result of the stated steps', () => {
    for (const split of ['train', 'eval'] as const) {
      const traced = generateTracedProblems({
        seed: 3,
        count: 600,
        split,
        levels: [1, 2, 3, 4, 5, 6],
      });
      for (const { item, trace } of traced) {
        expect(item.steps).toHaveLength(item.level as number);
        expect(String(recomputeFromSteps(item))).toBe(item.answer);
        const values = replay(trace);
        expect(String(values[values.length - 1])).toBe(item.answer);
        expect(values.every((v) => Number.isSafeInteger(v) && v > 0)).toBe(true);
        expect(item.source).toBe('generated');
        expect(item.id).toMatch(new RegExp(`^gen-${split}-L${item.level}-[0-9a-f]{8}$`));
      }
    }
  });

  it('covers every domain and level, with growing numbers', () => {
    const levels = [1, 2, 3, 4];
    const items = generateTracedProblems({ seed: 5, count: 480, split: 'train', levels });
    expect(new Set(items.map((p) => p.problem.domain))).toEqual(new Set(ALL_DOMAINS));
    const meanStart = (l: number): number => {
      const xs = items.filter((p) => p.item.level === l).map((p) => p.trace.start);
      return xs.reduce((s, x) => s + x, 0) / xs.length;
    };
    expect(meanStart(4)).toBeGreaterThan(meanStart(1));
  });

  it('reproduces the seed example style (liquid halving and adding water)', () => {
    const items = generateTracedProblems({
      seed: 1,
      count: 300,
      split: 'train',
      levels: [2],
      domains: ['quantities'],
    });
    const liquid = items.find((p) => /mL/.test(p.item.prompt) && /half/.test(p.item.prompt));
    expect(liquid).toBeDefined();
    expect(liquid?.item.prompt).toMatch(/How (much|many)/);
  });

  it('varies phrasing within a domain', () => {
    for (const domain of ALL_DOMAINS) {
      const items = generateProblems({
        seed: 9,
        count: 60,
        split: 'train',
        levels: [2],
        domains: [domain],
      });
      const openings = new Set(items.map((x) => x.prompt.replace(/[\d$]+/g, 'N').split('.')[0]));
      expect(openings.size, domain).toBeGreaterThan(3);
    }
  });

  it('keeps train and eval disjoint: no shared prompt across large sets', () => {
    const train = generateProblems({ seed: 1, count: 3000, split: 'train', levels: [1, 2, 3, 4] });
    const evalTraced = generateTracedProblems({
      seed: 1,
      count: 1000,
      split: 'eval',
      levels: [1, 2, 3, 4],
    });
    const evalA = evalTraced.map((p) => p.item);
    const evalB = generateProblems({ seed: 99, count: 1000, split: 'eval', levels: [1, 2, 3, 4] });
    const trainPrompts = new Set(train.map((x) => normalizeQuestion(x.prompt)));
    for (const item of [...evalA, ...evalB]) {
      expect(trainPrompts.has(normalizeQuestion(item.prompt))).toBe(false);
    }
    // Within one set every prompt is unique.
    expect(trainPrompts.size).toBe(train.length);
    // Split membership is a property of the problem, not of the seed.
    for (const p of evalTraced) expect(splitOf(p.problem.domain, p.item.prompt)).toBe('eval');
  });

  it('rejects bad options with clear messages', () => {
    expect(() => generateProblems({ seed: 1, count: -1, split: 'train' })).toThrow(/count/);
    expect(() => generateProblems({ seed: 1, count: 1, split: 'train', levels: [0] })).toThrow(
      /levels/,
    );
    expect(() =>
      generateProblems({ seed: 1, count: 1, split: 'train', domains: ['cooking' as never] }),
    ).toThrow(/valid: quantities/);
  });
});
