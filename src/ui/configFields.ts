/**
 * The config panel's fields, read from the zod schema (RunConfigSchema): one table drives the
 * inputs, their ranges and help, and the parsing of what the user types. Help is the schema's
 * `.describe()` (src/contract/config.ts): one definition per field.
 */
import { z } from 'zod';
import { RunConfigSchema } from '../contract/config';
import { isLiveField } from '../contract/liveConfig';

export type FieldKind =
  | { kind: 'number'; int: boolean; min: number | null; max: number | null; nullable: boolean }
  | { kind: 'enum'; options: string[] }
  | { kind: 'boolean' }
  | { kind: 'string'; maxLength: number | null }
  | { kind: 'int-list'; min: number | null; max: number | null }
  | { kind: 'enum-list'; options: string[]; optional: boolean };

export interface FieldSpec {
  /** Dotted path, e.g. "rl.lr" (top-level fields have no dot). */
  path: string;
  key: string;
  help: string;
  kind: FieldKind;
  /** Applies to a running run from its next step (see contract/liveConfig.ts). */
  live: boolean;
  schema: z.ZodType;
}

export interface SectionSpec {
  id: string;
  title: string;
  fields: FieldSpec[];
}

const TITLES: Record<string, string> = {
  run: 'Run',
  model: 'Model',
  tokenizer: 'Tokenizer',
  data: 'Data',
  sft: 'Warm-up (SFT)',
  rl: 'RL (GRPO / ThinkTuning)',
  thinktuning: 'ThinkTuning',
  reward: 'Reward',
  eval: 'Evaluation',
  teacher: 'Teacher',
  student: 'Student (pretrained / LoRA)',
};

/** Option texts that differ from the value (an empty value has no text of its own). */
const OPTION_LABELS: Record<string, Record<string, string>> = {
  'student.init': { '': 'none: warm up from scratch (sft.*)' },
};

/** The text an enum option shows. */
export function optionLabel(path: string, option: string): string {
  return OPTION_LABELS[path]?.[option] ?? (option === '' ? '(none)' : option);
}

/** Fields the panel does not show: the header chooses the backend. */
const HIDDEN = new Set(['backend']);

interface Bounded {
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  maxLength?: number | null;
  options?: readonly string[];
}

function kindOf(schema: z.ZodType): FieldKind {
  let s = schema;
  let nullable = false;
  let optional = false;
  for (;;) {
    if (s instanceof z.ZodNullable) {
      nullable = true;
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodOptional) {
      optional = true;
      s = s.unwrap() as z.ZodType;
    } else break;
  }
  const b = s as unknown as Bounded;
  if (s instanceof z.ZodNumber)
    return {
      kind: 'number',
      int: b.isInt === true,
      min: Number.isFinite(b.minValue) ? (b.minValue as number) : null,
      max: Number.isFinite(b.maxValue) ? (b.maxValue as number) : null,
      nullable,
    };
  if (s instanceof z.ZodEnum) return { kind: 'enum', options: [...(s.options as string[])] };
  if (s instanceof z.ZodBoolean) return { kind: 'boolean' };
  if (s instanceof z.ZodString) return { kind: 'string', maxLength: b.maxLength ?? null };
  if (s instanceof z.ZodArray) {
    const el = s.element as z.ZodType;
    if (el instanceof z.ZodEnum)
      return { kind: 'enum-list', options: [...(el.options as string[])], optional };
    const k = kindOf(el);
    if (k.kind === 'number') return { kind: 'int-list', min: k.min, max: k.max };
  }
  throw new Error(`The config panel has no input for this schema (${s.constructor.name}).`);
}

function field(path: string, key: string, schema: z.ZodType): FieldSpec {
  return {
    path,
    key,
    help: schema.description ?? '',
    kind: kindOf(schema),
    live: isLiveField(path),
    schema,
  };
}

/** Every section of the schema with its fields, in schema order (top-level fields first). */
export function configSections(): SectionSpec[] {
  const top: FieldSpec[] = [];
  const sections: SectionSpec[] = [];
  for (const [key, schema] of Object.entries(RunConfigSchema.shape)) {
    if (HIDDEN.has(key)) continue;
    if (schema instanceof z.ZodObject) {
      const fields = Object.entries(schema.shape as Record<string, z.ZodType>).map(([k, s]) =>
        field(`${key}.${k}`, k, s),
      );
      sections.push({ id: key, title: TITLES[key] ?? key, fields });
    } else top.push(field(key, key, schema as z.ZodType));
  }
  return [{ id: 'run', title: TITLES.run, fields: top }, ...sections];
}

/** "0 – 1", "≥ 1", "integer 1 – 4096": the range a number field accepts. */
export function rangeText(k: FieldKind): string {
  if (k.kind !== 'number' && k.kind !== 'int-list') return '';
  const what = k.kind === 'int-list' || k.int ? 'integer ' : '';
  if (k.min !== null && k.max !== null) return `${what}${k.min} – ${k.max}`;
  if (k.min !== null) return `${what}≥ ${k.min}`;
  if (k.max !== null) return `${what}≤ ${k.max}`;
  return what.trim();
}

/** The text an input shows for a value. */
export function formatValue(_k: FieldKind, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** Parses what the user typed into a value the field's schema accepts, or says why not. */
export function parseInput(spec: FieldSpec, raw: string | boolean | string[]): Parsed {
  const k = spec.kind;
  let value: unknown = raw;
  if (k.kind === 'number') {
    const text = String(raw).trim();
    if (text === '' && k.nullable) value = null;
    else if (text === '') return { ok: false, message: 'Enter a number.' };
    else {
      value = Number(text);
      if (!Number.isFinite(value)) return { ok: false, message: `"${text}" is not a number.` };
    }
  } else if (k.kind === 'int-list') {
    const parts = String(raw)
      .split(/[\s,]+/)
      .filter(Boolean);
    value = parts.map(Number);
    if (parts.some((p) => !Number.isFinite(Number(p))))
      return { ok: false, message: 'Enter whole numbers separated by commas.' };
  } else if (k.kind === 'enum-list') {
    const list = raw as string[];
    value = list.length === 0 && k.optional ? undefined : list;
  }
  const r = spec.schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, message: friendly(r.error.issues[0], k) };
}

function friendly(issue: z.core.$ZodIssue | undefined, k: FieldKind): string {
  if (!issue) return 'Invalid value.';
  const range = rangeText(k);
  switch (issue.code) {
    case 'too_small':
    case 'too_big':
      if (k.kind === 'enum-list' || (k.kind === 'int-list' && issue.path.length === 0))
        return issue.code === 'too_small' ? 'Choose at least one.' : issue.message;
      if (k.kind === 'string') return issue.message;
      return `Out of range: ${range}.`;
    case 'invalid_type':
      if (k.kind === 'number' && k.int) return 'Enter a whole number.';
      return issue.message;
    default:
      if (k.kind === 'number' && k.int) return `Enter a whole number (${range}).`;
      return issue.message;
  }
}
