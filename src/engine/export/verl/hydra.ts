/**
 * Hydra command-line overrides as verl reads them: `key=value`, `++key=value` for a key the
 * config does not have (force-add), values in Hydra's grammar and quoted for bash.
 */

/** A value in an override: a scalar, a list of strings, or a shell expression to expand. */
export type HydraValue = string | number | boolean | null | readonly string[] | ShellExpr;

/** A value taken from the shell at run time (e.g. `$MODEL_PATH`), written in double quotes. */
export interface ShellExpr {
  shell: string;
}

/** One `key=value` on verl's command line. */
export interface VerlOverride {
  /** Dotted key path in verl's composed config, e.g. `actor_rollout_ref.actor.optim.lr`. */
  key: string;
  value: HydraValue;
  /** Write `++key=value`: the key is not in the config and must be added. */
  add?: boolean;
}

/** `$X` from the environment, expanded by bash. */
export const shell = (expr: string): ShellExpr => ({ shell: expr });

const isShell = (v: HydraValue): v is ShellExpr =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && 'shell' in v;

/** Numbers as Hydra parses them: integers plain, floats with an exponent or a point. */
export function hydraNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`Hydra override value must be finite (got ${n}).`);
  return String(n);
}

/** A plain word Hydra reads as a string without quotes (letters, digits, _-./:). */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_\-./:]*$/;

/** The value in Hydra's grammar, before shell quoting. */
export function hydraValue(v: Exclude<HydraValue, ShellExpr>): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return hydraNumber(v);
  if (typeof v === 'string') {
    if (PLAIN.test(v) && !['null', 'true', 'false', 'True', 'False'].includes(v)) return v;
    return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  }
  return `[${v.map((s) => hydraValue(s)).join(',')}]`;
}

/** Single-quotes a word for bash when it holds anything but safe characters. */
export function bashQuote(word: string): string {
  return /^[A-Za-z0-9_\-./:=+@%,]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One override as a bash word: `key=value`, shell expressions in double quotes. */
export function overrideWord(o: VerlOverride): string {
  const key = `${o.add ? '++' : ''}${o.key}`;
  if (isShell(o.value)) return `${key}="${o.value.shell}"`;
  return bashQuote(`${key}=${hydraValue(o.value)}`);
}
