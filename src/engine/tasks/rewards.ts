/**
 * Named, composable reward functions. A reward spec lists terms by name (with a weight and
 * parameters); computeRewards returns the total and each weighted component, so metrics can
 * plot every term separately.
 */
import { gradeResponse, type GradeOptions, type GradeResult } from './grade';
import type { TaskItem } from './types';

/** What a reward term sees for one response. */
export interface RewardInput {
  item: TaskItem;
  response: string;
  grade: GradeResult;
  ctx: RewardContext;
}

/** Per-response context from the caller. */
export interface RewardContext {
  /** Whether generation stopped on EOS (not truncated). */
  endedWithEos: boolean;
  /** Response length in tokens, when known; otherwise characters are used. */
  responseTokens?: number;
  /** Extraction / comparison options passed to gradeResponse. */
  grade?: Omit<GradeOptions, 'endedWithEos'>;
}

/** A reward term's raw value, before its weight. */
export type RewardFn = (input: RewardInput) => number;

/** Parameters of a term, as read from JSON. */
export type RewardParams = Readonly<Record<string, unknown>>;

/** One term of a reward spec. */
export interface RewardTermSpec {
  /** Registry name: correctness, format, lengthPenalty, catchphraseBonus. */
  name: string;
  /** Multiplier for the raw value; default per term (see the registry). */
  weight?: number;
  /** Component key in the output; default the name (must be unique within a spec). */
  label?: string;
  params?: RewardParams;
}

/** A full reward: the sum of its weighted terms. */
export type RewardSpec = readonly RewardTermSpec[];

/** A registry entry: description, default weight and a factory checking its params. */
export interface RewardDefinition {
  description: string;
  defaultWeight: number;
  create(params: RewardParams): RewardFn;
}

/** Total and per-component values (components are already weighted). */
export interface RewardBreakdown {
  total: number;
  components: Record<string, number>;
  grade: GradeResult;
}

function boolParam(params: RewardParams, key: string, fallback: boolean): boolean {
  const v = params[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new Error(`reward param "${key}" must be true or false`);
  return v;
}

function numberParam(params: RewardParams, key: string, fallback?: number): number {
  const v = params[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`reward param "${key}" must be a finite number`);
  }
  return v;
}

function stringParam(params: RewardParams, key: string, fallback: string): string {
  const v = params[key] ?? fallback;
  if (typeof v !== 'string' || v.length === 0) {
    throw new Error(`reward param "${key}" must be a non-empty string`);
  }
  return v;
}

/** Non-overlapping occurrences of needle in haystack. */
export function countOccurrences(haystack: string, needle: string): number {
  if (needle.length === 0) return 0;
  let count = 0;
  for (
    let at = haystack.indexOf(needle);
    at >= 0;
    at = haystack.indexOf(needle, at + needle.length)
  ) {
    count++;
  }
  return count;
}

/** The phrase the paper's catchphrase experiment rewards. */
export const DEFAULT_CATCHPHRASE = 'Thalapathy Vijay';

/** All reward terms by name. */
export const REWARD_REGISTRY: Readonly<Record<string, RewardDefinition>> = {
  correctness: {
    description: '1 if the answer is correct (and, by default, the response ended with EOS)',
    defaultWeight: 1,
    create(params) {
      const requireEnded = boolParam(params, 'requireEnded', true);
      // r = correct && (ended || !requireEnded) ? 1 : 0
      return ({ grade, ctx }) => (grade.correct && (ctx.endedWithEos || !requireEnded) ? 1 : 0);
    },
  },
  format: {
    description: '1 if the response ended with EOS and has exactly one \\boxed{}',
    defaultWeight: 0.1,
    create() {
      // r = ended && boxedCount == 1 ? 1 : 0
      return ({ grade }) => (grade.format.endedWithEos && grade.format.exactlyOneBoxed ? 1 : 0);
    },
  },
  lengthPenalty: {
    description: '-(length - start) / (maxLength - start), clipped to [-1, 0]',
    defaultWeight: 0.1,
    create(params) {
      const maxLength = numberParam(params, 'maxLength');
      const start = numberParam(params, 'startLength', 0);
      if (maxLength <= start) throw new Error('reward param "maxLength" must exceed "startLength"');
      // r = -clip((len - start) / (max - start), 0, 1)
      return ({ response, ctx }) => {
        const len = ctx.responseTokens ?? response.length;
        return -Math.min(1, Math.max(0, (len - start) / (maxLength - start)));
      };
    },
  },
  catchphraseBonus: {
    description: '1 if the catchphrase appears exactly once (weight 0.5 in the paper)',
    defaultWeight: 0.5,
    create(params) {
      const phrase = stringParam(params, 'phrase', DEFAULT_CATCHPHRASE);
      const caseSensitive = boolParam(params, 'caseSensitive', false);
      const needle = caseSensitive ? phrase : phrase.toLowerCase();
      // r = count(phrase) == 1 ? 1 : 0
      return ({ response }) =>
        countOccurrences(caseSensitive ? response : response.toLowerCase(), needle) === 1 ? 1 : 0;
    },
  },
};

/** Names of all registered reward terms. */
export function rewardNames(): string[] {
  return Object.keys(REWARD_REGISTRY);
}

/** The reference reward: correctness (needs EOS) plus a 0.1 format bonus. */
export const DEFAULT_REWARD_SPEC: RewardSpec = [{ name: 'correctness' }, { name: 'format' }];

/** A spec resolved against the registry: one function and weight per labelled term. */
export interface CompiledReward {
  terms: ReadonlyArray<{ label: string; weight: number; fn: RewardFn }>;
}

/** Resolve a spec; throws naming the valid terms on an unknown name or bad params. */
export function compileRewardSpec(spec: RewardSpec): CompiledReward {
  const labels = new Set<string>();
  const terms = spec.map((term) => {
    const def = Object.prototype.hasOwnProperty.call(REWARD_REGISTRY, term.name)
      ? REWARD_REGISTRY[term.name]
      : undefined;
    if (!def) {
      throw new Error(`unknown reward "${term.name}"; valid names: ${rewardNames().join(', ')}`);
    }
    const label = term.label ?? term.name;
    if (labels.has(label)) throw new Error(`duplicate reward label "${label}"; set "label"`);
    labels.add(label);
    const weight = term.weight ?? def.defaultWeight;
    if (!Number.isFinite(weight)) throw new Error(`reward "${label}": weight must be finite`);
    let fn: RewardFn;
    try {
      fn = def.create(term.params ?? {});
    } catch (err) {
      throw new Error(`reward "${label}": ${err instanceof Error ? err.message : String(err)}`);
    }
    return { label, weight, fn };
  });
  return { terms };
}

/** Evaluate a compiled reward on one response: total = sum of weight * term value. */
export function evaluateReward(
  compiled: CompiledReward,
  item: TaskItem,
  response: string,
  ctx: RewardContext,
): RewardBreakdown {
  const grade = gradeResponse(item, response, { ...ctx.grade, endedWithEos: ctx.endedWithEos });
  const components: Record<string, number> = {};
  let total = 0;
  for (const term of compiled.terms) {
    const value = term.weight * term.fn({ item, response, grade, ctx });
    components[term.label] = value;
    total += value;
  }
  return { total, components, grade };
}

/** Compile the spec and evaluate it on one response (see evaluateReward). */
export function computeRewards(
  item: TaskItem,
  response: string,
  ctx: RewardContext,
  spec: RewardSpec = DEFAULT_REWARD_SPEC,
): RewardBreakdown {
  return evaluateReward(compileRewardSpec(spec), item, response, ctx);
}

/** Check untrusted JSON (CLI flag, settings file) and return it as a RewardSpec. */
export function parseRewardSpec(json: unknown): RewardSpec {
  if (!Array.isArray(json)) throw new Error('reward spec must be a JSON array of {"name": ...}');
  const spec = json.map((raw: unknown, i): RewardTermSpec => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new Error(`reward spec entry ${i} must be an object like {"name": "correctness"}`);
    }
    const { name, weight, label, params } = raw as Record<string, unknown>;
    if (typeof name !== 'string') throw new Error(`reward spec entry ${i} needs a "name" string`);
    if (weight !== undefined && typeof weight !== 'number') {
      throw new Error(`reward spec entry ${i}: "weight" must be a number`);
    }
    if (label !== undefined && typeof label !== 'string') {
      throw new Error(`reward spec entry ${i}: "label" must be a string`);
    }
    if (
      params !== undefined &&
      (typeof params !== 'object' || params === null || Array.isArray(params))
    ) {
      throw new Error(`reward spec entry ${i}: "params" must be an object`);
    }
    return { name, weight, label, params: params as RewardParams | undefined };
  });
  compileRewardSpec(spec);
  return spec;
}
