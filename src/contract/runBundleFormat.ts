/**
 * A run bundle's manifest (run.json) and the checks every file of a bundle goes through on
 * import: each failure names the file, the line and the field, and says what was expected.
 */
import type { Trajectory } from './loopRecords';
import type { MetricName, StepMetrics } from './metrics';
import type { RunRecordStatus } from './runRecord';

export const BUNDLE_FORMAT = 'thinktuning-lab/run-bundle';
/**
 * 2: trajectories.jsonl numbers steps from 1, like metrics.jsonl. 1: from 0 (read, and
 * renumbered on import: trajectoryStepOffset).
 */
export const BUNDLE_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

/**
 * What to add to the "step" of a trajectories.jsonl line to number it from 1, as metrics.jsonl
 * does. Version 1 bundles numbered trajectories from 0; a run folder without run.json (the CLI's)
 * did too until it wrote "step": 1 for the first step, and then held every step from the first,
 * so a line with step 0 marks the old numbering.
 */
export function trajectoryStepOffset(bundleVersion: number | null, steps: Iterable<number>): 0 | 1 {
  if (bundleVersion !== null) return bundleVersion < 2 ? 1 : 0;
  for (const s of steps) if (s === 0) return 1;
  return 0;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: number;
  name: string;
  createdAt: number;
  exportedAt: number;
  status: RunRecordStatus;
  step: number;
  totalSteps: number;
  sftStep: number;
  backend: string | null;
  /** Steps whose trajectories are in trajectories.jsonl, and how many were dropped before. */
  trajectories: { steps: number[]; dropped: number };
  /** The checkpoint's step and each file's SHA-256 (null: no checkpoint yet). */
  checkpoint: { step: number; files: Record<string, string> } | null;
}

const STATUSES: RunRecordStatus[] = [
  'running',
  'interrupted',
  'paused',
  'stopped',
  'finished',
  'failed',
];
const dec = new TextDecoder();

export function wrap<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

export function parseJsonFile<T>(file: string, data: Uint8Array, check: (v: unknown) => T): T {
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(data));
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  return wrap(file, () => check(v));
}

export function parseJsonl<T>(
  file: string,
  data: Uint8Array,
  check: (o: Record<string, unknown>, where: string) => T,
): T[] {
  const out: T[] = [];
  dec
    .decode(data)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const where = `${file} line ${i + 1}`;
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch (e) {
        throw new Error(`${where} is not valid JSON: ${(e as Error).message}`);
      }
      if (!o || typeof o !== 'object' || Array.isArray(o))
        throw new Error(`${where}: expected one JSON object per line.`);
      out.push(check(o as Record<string, unknown>, where));
    });
  return out;
}

/** A metrics row: integer step >= 1 and number (or null = NaN, or boolean) values. */
export function checkMetricsRow(o: Record<string, unknown>, where: string): StepMetrics {
  if (!Number.isInteger(o.step) || (o.step as number) < 1)
    throw new Error(`${where}: "step" must be a positive integer (got ${JSON.stringify(o.step)}).`);
  const row: StepMetrics = { step: o.step as number };
  for (const [name, v] of Object.entries(o)) {
    // An imported row may carry names this lab does not make; they are kept as they are.
    const k = name as MetricName;
    if (v === null) row[k] = Number.NaN;
    else if (typeof v === 'number' || typeof v === 'boolean') row[k] = v as number;
    else throw new Error(`${where}: "${k}" must be a number (got ${JSON.stringify(v)}).`);
  }
  return row;
}

export function checkTrajectory(o: Record<string, unknown>, where: string): Trajectory {
  const fields: Array<[string, string]> = [
    ['step', 'number'],
    ['group', 'number'],
    ['index', 'number'],
    ['question', 'string'],
    ['response', 'string'],
    ['correct', 'boolean'],
    ['guided', 'boolean'],
  ];
  for (const [k, type] of fields)
    if (typeof o[k] !== type)
      throw new Error(`${where}: "${k}" must be a ${type} (got ${JSON.stringify(o[k])}).`);
  if (!Number.isInteger(o.step) || (o.step as number) < 0)
    throw new Error(`${where}: "step" must be a non-negative integer.`);
  if (!Array.isArray(o.tokens))
    throw new Error(`${where}: "tokens" must be an array of token records.`);
  (o.tokens as unknown[]).forEach((t, j) => {
    const r = t as Record<string, unknown> | null;
    if (!r || typeof r.id !== 'number' || typeof r.text !== 'string')
      throw new Error(`${where}: tokens[${j}] needs a numeric "id" and a "text".`);
  });
  return o as unknown as Trajectory;
}

export function checkManifest(v: unknown): BundleManifest {
  const m = v as Partial<BundleManifest> | null;
  if (!m || m.format !== BUNDLE_FORMAT)
    throw new Error(`"format" must be "${BUNDLE_FORMAT}" (got ${JSON.stringify(m?.format)}).`);
  if (!READABLE_VERSIONS.includes(m.version as number))
    throw new Error(
      `version ${JSON.stringify(m.version)} is not supported (this lab reads versions ${READABLE_VERSIONS.join(' and ')}).`,
    );
  if (typeof m.name !== 'string' || !m.name.trim())
    throw new Error('"name" must be a non-empty string.');
  if (!STATUSES.includes(m.status as RunRecordStatus))
    throw new Error(
      `"status" must be one of ${STATUSES.join(', ')} (got ${JSON.stringify(m.status)}).`,
    );
  for (const k of ['createdAt', 'exportedAt', 'step', 'totalSteps', 'sftStep'] as const)
    if (!Number.isFinite(m[k]) || (m[k] as number) < 0)
      throw new Error(`"${k}" must be a non-negative number (got ${JSON.stringify(m[k])}).`);
  if (
    m.checkpoint !== null &&
    (typeof m.checkpoint !== 'object' || !Number.isInteger(m.checkpoint?.step))
  )
    throw new Error('"checkpoint" must be null or {step, files}.');
  return {
    ...m,
    backend: m.backend ?? null,
    trajectories: m.trajectories ?? { steps: [], dropped: 0 },
  } as BundleManifest;
}
