/**
 * A run as one file: a store-only ZIP (zip.ts) laid out like `npm run lab -- train --out DIR`:
 *   run.json                  manifest: format, version, name, status, steps, checkpoint hashes
 *   config.json               the RunConfig (secrets redacted)
 *   metrics.jsonl             one object per RL step, TRL log_history names ("step", "reward", ...)
 *   sft_metrics.jsonl         one object per warm-up step
 *   trajectories.jsonl        the kept rollouts, one per line, with per-token fields; "step"
 *                             counts from 1 like metrics.jsonl (version 1 bundles: from 0)
 *   checkpoint/model.safetensors, checkpoint/tokenizer.json, checkpoint/config.json,
 *   checkpoint/trainer_state.safetensors   the last checkpoint (optimizer, RNG, data order)
 *   checkpoint/manifest.json  each checkpoint file's SHA-256 and size, as the CLI writes it
 * A CLI output folder zipped with `zip -0 -r` imports too (run.json is then optional). Import
 * checks every file before anything is stored: the checkpoint against run.json's and
 * manifest.json's hashes, then its content (engine/store/checkpointCheck.ts: shapes, finite
 * values, config.json against the weights).
 */
import { parseConfig, type RunConfig } from '../contract/config';
import { decodeTrainerState, TRAINER_STATE_FILE } from '../engine/loop/trainerState';
import type { Trajectory } from '../contract/loopRecords';
import type { StepMetrics } from '../contract/metrics';
import type { SftStepMetrics } from '../contract/sftMetrics';
import { decodeSafetensors } from '../engine/store/safetensors';
import { checkCheckpointFiles } from '../engine/store/checkpointCheck';
import {
  buildCheckpointManifest,
  CHECKPOINT_MANIFEST_FILE,
  manifestText,
  parseCheckpointManifest,
  verifyManifestEntry,
} from '../engine/store/checkpointManifest';
import { sha256Hex } from './blobStore';
import { redactConfig } from './redact';
import type { RunStore } from './runStore';
import type { RunRecord } from '../contract/runRecord';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  checkManifest,
  checkMetricsRow,
  checkTrajectory,
  parseJsonFile,
  parseJsonl,
  trajectoryStepOffset,
  wrap,
  type BundleManifest,
} from '../contract/runBundleFormat';
import { readZip, writeZip } from './zip';

export { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleManifest } from '../contract/runBundleFormat';

/** A bundle's parts, validated. */
export interface RunBundle {
  manifest: BundleManifest;
  config: RunConfig;
  metrics: StepMetrics[];
  sftMetrics: SftStepMetrics[];
  /** Trajectories by storage step (the metrics row's step). */
  trajectories: Array<{ step: number; trajectories: Trajectory[] }>;
  checkpoint: { step: number; files: Record<string, Uint8Array> } | null;
  /** checkpoint/manifest.json's text, written on export (readers check it, then drop it). */
  checkpointManifest?: string;
}

const CHECKPOINT_FILES = ['model.safetensors', 'tokenizer.json', 'config.json', TRAINER_STATE_FILE];
const enc = new TextEncoder();
const dec = new TextDecoder();

/** One JSON object per line; NaN and ±Infinity become null (JSON has no such numbers). */
function jsonl(rows: readonly unknown[]): Uint8Array {
  return enc.encode(rows.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** Writes a bundle from its parts (pure; `exportRunBundle` gathers them from the store). */
export function writeBundle(b: RunBundle): Uint8Array {
  const entries = [
    { name: 'run.json', data: enc.encode(JSON.stringify(b.manifest, null, 2) + '\n') },
    {
      name: 'config.json',
      data: enc.encode(JSON.stringify(redactConfig(b.config), null, 2) + '\n'),
    },
    { name: 'metrics.jsonl', data: jsonl(b.metrics) },
    { name: 'sft_metrics.jsonl', data: jsonl(b.sftMetrics) },
    { name: 'trajectories.jsonl', data: jsonl(b.trajectories.flatMap((s) => s.trajectories)) },
  ];
  for (const [name, data] of Object.entries(b.checkpoint?.files ?? {}))
    entries.push({ name: `checkpoint/${name}`, data });
  if (b.checkpointManifest)
    entries.push({
      name: `checkpoint/${CHECKPOINT_MANIFEST_FILE}`,
      data: enc.encode(b.checkpointManifest),
    });
  return writeZip(entries, new Date(b.manifest.exportedAt));
}

/** The run as bundle bytes, with a file name made from its name and step. */
export async function exportRunBundle(
  store: RunStore,
  runId: string,
): Promise<{ filename: string; bytes: Uint8Array }> {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`No saved run with id ${runId}; it may have been deleted.`);
  const checkpoint = run.checkpoint ? await store.loadCheckpoint(runId) : null;
  const files = checkpoint ? { ...checkpoint.files } : null;
  if (files?.['config.json']) files['config.json'] = redactCheckpointConfig(files['config.json']);
  const trajectories = await store.loadTrajectories(runId);
  const checkpointHashes: Record<string, string> = {};
  for (const [name, data] of Object.entries(files ?? {}))
    checkpointHashes[name] = await sha256Hex(data);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    name: run.name,
    createdAt: run.createdAt,
    exportedAt: Date.now(),
    status: run.status,
    step: run.step,
    totalSteps: run.totalSteps,
    sftStep: run.sftStep,
    backend: run.backend,
    trajectories: { steps: trajectories.map((t) => t.step), dropped: run.trajectories.dropped },
    checkpoint: checkpoint ? { step: checkpoint.pointer.step, files: checkpointHashes } : null,
  };
  const checkpointManifest =
    checkpoint && files
      ? manifestText(await buildCheckpointManifest(checkpoint.pointer.step, files))
      : undefined;
  const bytes = writeBundle({
    checkpointManifest,
    manifest,
    config: run.config,
    metrics: await store.loadMetrics(runId),
    sftMetrics: await store.loadSftMetrics(runId),
    trajectories,
    checkpoint: files && checkpoint ? { step: checkpoint.pointer.step, files } : null,
  });
  const slug = run.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return { filename: `${slug}-step${run.step}.zip`, bytes };
}

/** The checkpoint's config.json with its run config redacted (older records may predate it). */
function redactCheckpointConfig(bytes: Uint8Array): Uint8Array {
  try {
    const meta = JSON.parse(dec.decode(bytes)) as { run?: RunConfig };
    if (!meta.run) return bytes;
    const clean = JSON.stringify({ ...meta, run: redactConfig(meta.run) }, null, 2);
    return clean === dec.decode(bytes) ? bytes : enc.encode(clean);
  } catch {
    return bytes;
  }
}

/** Reads and validates a bundle; every problem names the file (and line, field) to fix. */
export async function readBundle(bytes: Uint8Array, filename = 'the bundle'): Promise<RunBundle> {
  let entries: ReturnType<typeof readZip>;
  try {
    entries = readZip(bytes);
  } catch (e) {
    throw new Error(`${filename}: ${(e as Error).message}`);
  }
  // A folder zipped whole ("runs/x/config.json"): strip the common top folder.
  const top = commonFolder(entries.map((e) => e.name));
  const files = new Map(
    entries.filter((e) => e.name.startsWith(top)).map((e) => [e.name.slice(top.length), e.data]),
  );
  const need = (name: string) => {
    const d = files.get(name);
    if (!d)
      throw new Error(
        `${filename} has no ${name}; a run bundle holds config.json, metrics.jsonl and checkpoint/ (export one from the run list).`,
      );
    return d;
  };
  const config = parseJsonFile('config.json', need('config.json'), (v) => {
    try {
      return parseConfig(v);
    } catch (e) {
      throw new Error((e as Error).message.replace(/^Invalid config:\n/, ''));
    }
  });
  const metrics = parseJsonl('metrics.jsonl', need('metrics.jsonl'), checkMetricsRow);
  metrics.forEach((m, i) => {
    if (i > 0 && m.step <= metrics[i - 1].step)
      throw new Error(
        `metrics.jsonl line ${i + 1}: step ${m.step} does not follow step ${metrics[i - 1].step}; rows must be in increasing step order.`,
      );
  });
  const sftBytes = files.get('sft_metrics.jsonl');
  const sftMetrics = sftBytes
    ? parseJsonl('sft_metrics.jsonl', sftBytes, (o, where) => {
        checkMetricsRow(o, where);
        return o as unknown as SftStepMetrics;
      })
    : [];
  const runJson = files.get('run.json');
  const stated = runJson ? parseJsonFile('run.json', runJson, (v) => checkManifest(v)) : null;
  const trajBytes = files.get('trajectories.jsonl');
  const lines = trajBytes ? parseJsonl('trajectories.jsonl', trajBytes, checkTrajectory) : [];
  // Older bundles and run folders numbered trajectories from 0: renumbered to metrics' steps.
  const offset = trajectoryStepOffset(
    stated?.version ?? null,
    lines.map((t) => t.step),
  );
  const byStep = new Map<number, Trajectory[]>();
  for (const line of lines) {
    const t = offset ? { ...line, step: line.step + offset } : line;
    if (!byStep.has(t.step)) byStep.set(t.step, []);
    byStep.get(t.step)!.push(t);
  }
  const trajectories = [...byStep]
    .sort((a, b) => a[0] - b[0])
    .map(([step, t]) => ({ step, trajectories: t }));

  let checkpoint: RunBundle['checkpoint'] = null;
  const present = CHECKPOINT_FILES.filter((n) => files.has(`checkpoint/${n}`));
  if (present.length > 0) {
    const cp: Record<string, Uint8Array> = {};
    for (const n of CHECKPOINT_FILES) cp[n] = need(`checkpoint/${n}`);
    const meta = parseJsonFile('checkpoint/config.json', cp['config.json'], (v) => {
      const o = v as { step?: unknown; run?: unknown; model?: unknown };
      if (!Number.isInteger(o.step) || (o.step as number) < 0)
        throw new Error('"step" must be a non-negative integer');
      if (!o.model) throw new Error('"model" (the model config) is missing');
      return o as { step: number };
    });
    parseJsonFile('checkpoint/tokenizer.json', cp['tokenizer.json'], (v) => v);
    wrap('checkpoint/model.safetensors', () => decodeSafetensors(cp['model.safetensors']));
    const state = wrap(`checkpoint/${TRAINER_STATE_FILE}`, () =>
      decodeTrainerState(cp[TRAINER_STATE_FILE]),
    );
    if (state.step !== meta.step)
      throw new Error(
        `checkpoint/${TRAINER_STATE_FILE} is at step ${state.step} but checkpoint/config.json says ${meta.step}; the files come from different checkpoints.`,
      );
    checkpoint = { step: meta.step, files: cp };
  }

  const manifest = stated
    ? { ...stated, version: BUNDLE_VERSION }
    : defaultManifest(filename, config, metrics, sftMetrics, trajectories, checkpoint);
  if (manifest.checkpoint && !checkpoint)
    throw new Error(
      `run.json lists a checkpoint at step ${manifest.checkpoint.step} but ${filename} has no checkpoint/ files.`,
    );
  if (checkpoint && manifest.checkpoint) {
    if (manifest.checkpoint.step !== checkpoint.step)
      throw new Error(
        `run.json says the checkpoint is at step ${manifest.checkpoint.step} but checkpoint/config.json says ${checkpoint.step}.`,
      );
    for (const [name, data] of Object.entries(checkpoint.files)) {
      const want = manifest.checkpoint.files[name];
      if (want && want !== (await sha256Hex(data)))
        throw new Error(
          `checkpoint/${name} does not match its SHA-256 in run.json: the file was changed or damaged.`,
        );
    }
  }
  if (checkpoint)
    await checkBundleCheckpoint(checkpoint, files.get(`checkpoint/${CHECKPOINT_MANIFEST_FILE}`));
  return { manifest, config, metrics, sftMetrics, trajectories, checkpoint };
}

/** Runs `fn`, naming the checkpoint's file in its message ("checkpoint/model.safetensors: …"). */
function inCheckpoint<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`checkpoint/${(e as Error).message}`);
  }
}

/** A bundle's checkpoint against its manifest.json (when there is one), then its content. */
async function checkBundleCheckpoint(
  checkpoint: NonNullable<RunBundle['checkpoint']>,
  manifestBytes: Uint8Array | undefined,
): Promise<void> {
  const cp = checkpoint.files;
  if (manifestBytes) {
    const m = inCheckpoint(() => parseCheckpointManifest(dec.decode(manifestBytes)));
    if (m.step !== checkpoint.step)
      throw new Error(
        `checkpoint/${CHECKPOINT_MANIFEST_FILE} says step ${m.step} but checkpoint/config.json says ${checkpoint.step}.`,
      );
    for (const [name, entry] of Object.entries(m.files))
      await verifyManifestEntry(`checkpoint/${name}`, name, entry, cp[name] ?? null).catch(
        (e: Error) => {
          throw new Error(e.message.replace(`checkpoint/${name}: ${name}`, `checkpoint/${name}`));
        },
      );
  }
  inCheckpoint(() =>
    checkCheckpointFiles({
      'model.safetensors': cp['model.safetensors'],
      'config.json': dec.decode(cp['config.json']),
      'tokenizer.json': dec.decode(cp['tokenizer.json']),
      [TRAINER_STATE_FILE]: cp[TRAINER_STATE_FILE],
    }),
  );
}

/** Validates a bundle and saves it as a new run (a new id; the name, rows and weights equal). */
export async function importRunBundle(
  store: RunStore,
  bytes: Uint8Array,
  filename?: string,
): Promise<RunRecord> {
  const b = await readBundle(bytes, filename);
  const m = b.manifest;
  const run = await store.createRun({
    name: m.name,
    config: b.config,
    backend: m.backend,
    origin: 'import',
    createdAt: m.createdAt,
    // A run exported while it trained is, here, one that stopped at its checkpoint.
    status: m.status === 'running' ? 'interrupted' : m.status,
  });
  try {
    await store.appendSftMetrics(run.id, b.sftMetrics);
    await store.appendMetrics(run.id, b.metrics);
    for (const t of b.trajectories) await store.putTrajectories(run.id, t.step, t.trajectories);
    if (b.checkpoint) await store.writeCheckpoint(run.id, b.checkpoint.step, b.checkpoint.files);
    return await store.updateRun(run.id, {
      step: m.step,
      totalSteps: m.totalSteps,
      sftStep: m.sftStep,
    });
  } catch (e) {
    await store.deleteRun(run.id).catch(() => undefined);
    throw e;
  }
}

/** run.json for a CLI output folder zipped without one. */
function defaultManifest(
  filename: string,
  config: RunConfig,
  metrics: StepMetrics[],
  sft: SftStepMetrics[],
  traj: RunBundle['trajectories'],
  checkpoint: RunBundle['checkpoint'],
): BundleManifest {
  const now = Date.now();
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    name: filename.replace(/\.zip$/i, '') || 'imported run',
    createdAt: now,
    exportedAt: now,
    status: metrics.length >= config.rl.steps ? 'finished' : 'stopped',
    step: metrics.at(-1)?.step ?? 0,
    totalSteps: config.rl.steps,
    sftStep: sft.at(-1)?.step ?? 0,
    backend: null,
    trajectories: { steps: traj.map((t) => t.step), dropped: 0 },
    checkpoint: checkpoint ? { step: checkpoint.step, files: {} } : null,
  };
}

/** The folder holding the top config.json ("" for a bundle; "runs/x/" for a zipped folder). */
function commonFolder(names: string[]): string {
  const top = names
    .filter((n) => /(^|\/)config\.json$/.test(n) && !/(^|\/)checkpoint\/config\.json$/.test(n))
    .sort((x, y) => x.length - y.length)[0];
  return top ? top.slice(0, -'config.json'.length) : '';
}
