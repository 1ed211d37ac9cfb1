/** Builds one word problem (text, worked steps, answer and trace) from a domain and a level. */
import type { SeededRng } from '../../random';
import { applyOp, isCleanValue, type ArithmeticOp, type ProblemTrace } from './ops';
import { fractions } from './fractions';
import { money } from './money';
import { percentages } from './percentages';
import { quantities } from './quantities';
import { rates } from './rates';
import type { DomainSpec, OpTemplate, Scene } from './scene';
import type { Domain } from '../../../contract/domains';
import { time } from './time';

/** A generated problem before it becomes a TaskItem. */
export interface WordProblem {
  domain: Domain;
  level: number;
  question: string;
  steps: string[];
  answer: number;
  trace: ProblemTrace;
}

/** Domain specs by name. */
export const DOMAIN_SPECS: Readonly<Record<Domain, DomainSpec>> = {
  quantities,
  money,
  time,
  rates,
  fractions,
  percentages,
};

/**
 * Typical size of numbers at a level: round(10 * 2.5^(L - 1)) for L <= 4 (10, 25, 63, 156),
 * then 156 + 100 * (L - 4) so long chains stay readable.
 */
export function levelMagnitude(level: number): number {
  return level <= 4 ? Math.round(10 * 2.5 ** (level - 1)) : 156 + 100 * (level - 4);
}

const MAX_ATTEMPTS = 50;

/**
 * Build a problem with exactly `level` steps. Retries with fresh random choices when a
 * step cannot keep the values clean (positive integers); throws only on a bug.
 */
export function buildWordProblem(domain: Domain, level: number, rng: SeededRng): WordProblem {
  if (!Number.isInteger(level) || level < 1) {
    throw new RangeError(`level must be an integer >= 1, got ${level}`);
  }
  const spec = DOMAIN_SPECS[domain];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const problem = tryBuild(spec, level, rng);
    if (problem) return problem;
  }
  throw new Error(`could not build a ${domain} problem at level ${level}`);
}

function tryBuild(spec: DomainSpec, level: number, rng: SeededRng): WordProblem | undefined {
  const magnitude = levelMagnitude(level);
  const scene = spec.scene(rng, level);
  const opening = spec.opening(scene, rng, magnitude);
  const ops: ArithmeticOp[] = [];
  const steps: string[] = [];
  const clauses: string[] = [];
  let x = opening.start;
  if (opening.first) {
    const y = applyOp(x, opening.first.op);
    if (!isCleanValue(y)) return undefined;
    ops.push(opening.first.op);
    steps.push(opening.first.step(x, y));
    x = y;
  }
  let previous: OpTemplate | undefined;
  while (ops.length < level) {
    const next = chooseStep(spec, x, magnitude, rng, previous, scene);
    if (!next) return undefined;
    const { template, o, y } = next;
    clauses.push(template.clause(scene, o, rng));
    steps.push(template.step(scene, x, o, y, clauses.length - 1));
    ops.push(o);
    previous = template;
    x = y;
  }
  const body = clauses.length > 0 ? (spec.assemble?.(scene, clauses, rng) ?? '') : '';
  const question = [opening.sentence, body, spec.question(scene, rng, clauses.length)]
    .filter((part) => part.length > 0)
    .join(' ');
  return {
    domain: spec.domain,
    level,
    question,
    steps,
    answer: x,
    trace: { start: opening.start, ops },
  };
}

function chooseStep(
  spec: DomainSpec,
  x: number,
  magnitude: number,
  rng: SeededRng,
  previous: OpTemplate | undefined,
  scene: Scene,
): { template: OpTemplate; o: ArithmeticOp; y: number } | undefined {
  for (const template of rng.shuffle(spec.templates)) {
    if (template.noRepeat && template === previous) continue;
    const o = template.make(rng, x, magnitude, scene);
    if (!o) continue;
    const y = applyOp(x, o);
    // Every intermediate must be a clean positive integer.
    if (isCleanValue(y)) return { template, o, y };
  }
  return undefined;
}
