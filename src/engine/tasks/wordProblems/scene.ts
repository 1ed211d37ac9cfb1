/**
 * Shared types and phrasing helpers for word-problem domains: the scene (who, what, which
 * unit), op templates (how a step is asked and worked), and grammar helpers.
 */
import type { Domain } from '../../../contract/domains';
import type { SeededRng } from '../../random';
import type { ArithmeticOp } from './ops';

/** Who or what the story is about, and what it is made of. */
export interface Scene {
  /** Subject as written mid-sentence: "you", "Maya", "the price". */
  subject: string;
  /** Third person singular ("Maya removes") vs. second person ("you remove"). */
  third: boolean;
  /** Format a value with its unit: "150 mL", "$12", "45 minutes". */
  unit(n: number): string;
  /** Smallest natural amount for additions and removals (10 for mL, 1 for items). */
  grain: number;
  /** Multiplier applied to the level's magnitude for start values (10 for mL). */
  startGrain: number;
  /** Scene words the templates of its domain use (container, liquid, objects, ...). */
  words: Record<string, string>;
}

/** How the problem starts: a sentence with the start value, optionally needing one step. */
export interface Opening {
  sentence: string;
  start: number;
  /** An opening such as "rides at 12 km per hour for 3 hours" already needs one step. */
  first?: { op: ArithmeticOp; step(x: number, y: number): string };
}

/** One kind of step in a domain: how to pick it, ask it and work it. */
export interface OpTemplate {
  /** Never use this template twice in a row ("returns along the same route"). */
  noRepeat?: boolean;
  /** Choose operands for the current value x; undefined when this step does not fit. */
  make(rng: SeededRng, x: number, magnitude: number, scene: Scene): ArithmeticOp | undefined;
  /** Verb phrase without the subject, for the question: "remove half of it". */
  clause(scene: Scene, o: ArithmeticOp, rng: SeededRng): string;
  /** One worked sentence with the intermediate result (index = position among the clauses). */
  step(scene: Scene, x: number, o: ArithmeticOp, y: number, index: number): string;
}

/** A domain: scenes, openings, step templates and questions. */
export interface DomainSpec {
  domain: Domain;
  /** A random scene; level lets a scene adapt (e.g. day names for long chains). */
  scene(rng: SeededRng, level: number): Scene;
  opening(scene: Scene, rng: SeededRng, magnitude: number): Opening;
  templates: readonly OpTemplate[];
  question(scene: Scene, rng: SeededRng, clauseCount: number): string;
  /** Custom assembly of the clauses into sentences (default: pairs joined by ", then"). */
  assemble?(scene: Scene, clauses: string[], rng: SeededRng): string;
}

/** First names used across domains. */
export const NAMES: readonly string[] = [
  'Maya',
  'Omar',
  'Lena',
  'Ravi',
  'Sofia',
  'Kenji',
  'Amara',
  'Diego',
  'Hana',
  'Tom',
  'Priya',
  'Lucas',
  'Zoe',
  'Ibrahim',
  'Elena',
  'Noah',
];

/** "you" (second person) or a random name (third person). */
export function pickActor(rng: SeededRng, youChance = 0.25): { subject: string; third: boolean } {
  return rng.chance(youChance)
    ? { subject: 'you', third: false }
    : { subject: rng.pick(NAMES), third: true };
}

/** Present tense for the scene's subject: remove -> removes, carry -> carries, have -> has. */
export function verb(scene: Scene, base: string): string {
  if (!scene.third) return base;
  const [head, ...rest] = base.split(' ');
  let inflected: string;
  if (head === 'have') inflected = 'has';
  else if (head === 'be') inflected = 'is';
  else if (/(s|sh|ch|x|z|o)$/.test(head)) inflected = `${head}es`;
  else if (/[^aeiou]y$/.test(head)) inflected = `${head.slice(0, -1)}ies`;
  else inflected = `${head}s`;
  return [inflected, ...rest].join(' ');
}

/** "does" or "do" for questions about the subject. */
export function does(scene: Scene): string {
  return scene.third ? 'does' : 'do';
}

/** Upper-case the first letter. */
export function capitalize(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

/** Default assembly: "{Subject} c1, then c2. After that, {subject} c3." */
export function assemblePairs(scene: Scene, clauses: string[], rng: SeededRng): string {
  const sentences: string[] = [];
  for (let i = 0; i < clauses.length; i += 2) {
    const body = clauses.slice(i, i + 2).join(', then ');
    const isLast = i + 2 >= clauses.length;
    const lead =
      i === 0
        ? capitalize(scene.subject)
        : `${isLast ? 'Finally,' : rng.pick(['After that,', 'Next,', 'Later,'])} ${scene.subject}`;
    sentences.push(`${lead} ${body}.`);
  }
  return sentences.join(' ');
}

/** Candidate operand between lo and hi (inclusive) in multiples of grain, or undefined. */
export function amount(rng: SeededRng, lo: number, hi: number, grain: number): number | undefined {
  const kLo = Math.max(1, Math.ceil(lo / grain));
  const kHi = Math.floor(hi / grain);
  return kHi < kLo ? undefined : rng.int(kLo, kHi) * grain;
}

/** Fractions used by fraction steps, as [numerator, denominator]. */
export const FRACTIONS: ReadonlyArray<readonly [number, number]> = [
  [1, 2],
  [1, 3],
  [2, 3],
  [1, 4],
  [3, 4],
  [1, 5],
  [2, 5],
  [3, 5],
  [1, 6],
  [5, 6],
];

/** Pick a fraction to remove (removed/d) so that the rest x * keep / d stays an integer. */
export function fittingFraction(
  rng: SeededRng,
  x: number,
): { removed: number; keep: number; d: number } | undefined {
  for (const [n, d] of rng.shuffle(FRACTIONS)) {
    if ((x * (d - n)) % d === 0 && x * (d - n) > 0) return { removed: n, keep: d - n, d };
  }
  return undefined;
}
