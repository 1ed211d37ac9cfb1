/**
 * Generated word problems in the seed's style ("A tank contains 300 mL of solution. You remove
 * half of it, then add 100 mL of water. How much liquid is in the tank now?"), with worked
 * steps and integer answers. Level L = number of steps.
 *
 * Train/eval disjointness is by construction: every candidate problem is assigned to a split
 * by a hash of its math signature (domain + the numbers in the question, in order), never by
 * the seed. The same problem, or the same numbers rephrased, always lands in the same split.
 */
import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import { createRng, fnv1a, mixSeedMurmur } from '../random';
import type { TaskItem } from './types';
import { buildWordProblem, type WordProblem } from './wordProblems/builder';
import type { ProblemTrace } from './wordProblems/ops';
import { detailSteps, type WorkedDetail } from './wordProblems/placeValue';
import { ALL_DOMAINS, type Domain } from '../../contract/domains';

/** Which side of the train/eval partition to generate. */
export type Split = 'train' | 'eval';

/** Options for generateProblems. */
export interface GenerateOptions {
  seed: number;
  count: number;
  /** Levels (steps per problem) to cycle through; default [1, 2, 3, 4]. */
  levels?: readonly number[];
  split: Split;
  /** Domains to cycle through; default all six. */
  domains?: readonly Domain[];
  /** How worked steps show their arithmetic (default 'plain'); never changes the questions. */
  workedDetail?: WorkedDetail;
}

/** A generated item together with its structured trace (for distractors, checks). */
export interface TracedProblem {
  item: TaskItem;
  problem: WordProblem;
  trace: ProblemTrace;
}

/** Share of the signature space assigned to eval: hash % 100 < EVAL_PERCENT. */
export const EVAL_PERCENT = 20;
const DEFAULT_LEVELS: readonly number[] = [1, 2, 3, 4];
/** Candidates tried per requested item before giving up (exhausted level/domain space). */
const MAX_TRIES_PER_ITEM = 200;

/** Normalize question text for comparisons: lower case, single spaces, trimmed. */
export function normalizeQuestion(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Math signature of a question: domain plus every number in order ("money|80|20|10"). */
export function mathSignature(domain: string, question: string): string {
  return [domain, ...(question.match(/\d+(?:\.\d+)?/g) ?? [])].join('|');
}

/** The split a problem belongs to: eval when hash(signature) % 100 < EVAL_PERCENT. */
export function splitOf(domain: string, question: string): Split {
  return fnv1a(mathSignature(domain, question)) % 100 < EVAL_PERCENT ? 'eval' : 'train';
}

/**
 * Generate problems with their traces. Item i uses level levels[i % L] and domain
 * domains[floor(i / L) % D]; candidates of the other split or already produced are skipped.
 */
export function generateTracedProblems(options: GenerateOptions): TracedProblem[] {
  const levels = options.levels ?? DEFAULT_LEVELS;
  const domains = options.domains ?? OPTIONAL_DEFAULTS.data.domains;
  validate(options, levels, domains);
  const seen = new Set<string>();
  const out: TracedProblem[] = [];
  for (let i = 0; i < options.count; i++) {
    const level = levels[i % levels.length];
    const domain = domains[Math.floor(i / levels.length) % domains.length];
    out.push(nextProblem(options, i, level, domain, seen));
  }
  return out;
}

/** Generate TaskItems (source "generated"); deterministic for the same options. */
export function generateProblems(options: GenerateOptions): TaskItem[] {
  return generateTracedProblems(options).map((p) => p.item);
}

function nextProblem(
  options: GenerateOptions,
  index: number,
  level: number,
  domain: Domain,
  seen: Set<string>,
): TracedProblem {
  for (let attempt = 0; attempt < MAX_TRIES_PER_ITEM; attempt++) {
    const rng = createRng(mixSeedMurmur(options.seed, index, attempt, fnv1a(domain)));
    const problem = buildWordProblem(domain, level, rng);
    const key = normalizeQuestion(problem.question);
    if (seen.has(key) || splitOf(domain, problem.question) !== options.split) continue;
    seen.add(key);
    const hex = fnv1a(key).toString(16).padStart(8, '0');
    const item: TaskItem = {
      id: `gen-${options.split}-L${level}-${hex}`,
      prompt: problem.question,
      answer: String(problem.answer),
      steps: detailSteps(
        problem.steps,
        problem.trace,
        options.workedDetail ?? OPTIONAL_DEFAULTS.data.workedDetail,
      ),
      source: 'generated',
      level,
    };
    return { item, problem, trace: problem.trace };
  }
  throw new Error(
    `generateProblems: could not find a new ${options.split} ${domain} problem at level ${level}; ` +
      'ask for fewer items or more levels/domains',
  );
}

function validate(
  options: GenerateOptions,
  levels: readonly number[],
  domains: readonly Domain[],
): void {
  if (!Number.isInteger(options.count) || options.count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${options.count}`);
  }
  if (levels.length === 0 || levels.some((l) => !Number.isInteger(l) || l < 1 || l > 12)) {
    throw new RangeError(`levels must be integers in 1..12, got [${levels.join(', ')}]`);
  }
  const unknown = domains.filter((d) => !ALL_DOMAINS.includes(d));
  if (domains.length === 0 || unknown.length > 0) {
    throw new RangeError(
      `unknown domain(s) [${unknown.join(', ')}]; valid: ${ALL_DOMAINS.join(', ')}`,
    );
  }
  if (options.split !== 'train' && options.split !== 'eval') {
    throw new RangeError(`split must be "train" or "eval", got "${String(options.split)}"`);
  }
}
