/**
 * Regenerates the shipped warm-up students (public/students/<name>/ and manifest.json) with the
 * project's CLI: `sft --preset <preset>` from the preset's recorded seed, then the weights are
 * stored as float16 and the held-out greedy accuracy is measured on exactly those weights.
 *
 *   npm run students                       # every student (~6 + ~8 min on 2 CPU cores)
 *   npm run students -- --only tiny        # one of them
 *
 * Deterministic on the WASM backend: the same command gives the same SFT losses; the F16 files
 * and the manifest's figures follow from them (test/students.test.ts checks both).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main';
import { nodeIo } from '../src/cli/command';
import { readCheckpointDir } from '../src/cli/checkpointDir';
import { applyOverride } from '../src/contract/config';
import { evaluate, greedyEvalOptions } from '../src/engine/eval/evaluate';
import { loadItems } from '../src/engine/eval/sources';
import { modelToSafetensors } from '../src/engine/model/weights';
import { parameterCount } from '../src/engine/model/transformer';
import { presetConfig } from '../src/contract/presets';
import { loadCheckpoint } from '../src/engine/store/checkpoint';
import { sha256Hex } from '../src/engine/store/sha256';
import {
  SHIPPED_HELD_OUT_QUESTIONS,
  SHIPPED_STUDENT_FILES,
  STUDENTS_MANIFEST,
  type ShippedManifest,
  type ShippedStudentEntry,
} from '../src/engine/students/catalog';
import { SHIPPED_STUDENT_NAMES, type ShippedStudentName } from '../src/contract/students';

const STUDENTS_ROOT = fileURLToPath(new URL('../public/students/', import.meta.url));

/** What each shipped student is, by name (its preset has the same name). */
const DESCRIPTIONS: Record<ShippedStudentName, string> = {
  cpu: 'The cpu preset warm-up: the tiny student (2 layers, d 64), place-value worked steps, RoPE, money problems of 1-2 steps',
  'unknown-behavior':
    'The unknown-behaviour warm-up: the tiny recipe with a quarter of the solutions re-checked after \\boxed{} (sft.selfCheckRate 0.25), context 384',
};

async function makeStudent(name: ShippedStudentName): Promise<ShippedStudentEntry> {
  const preset = name;
  const config = applyOverride(presetConfig(preset), 'student.init=""');
  const tmp = join(STUDENTS_ROOT, `.${name}.sft`);
  // the command as run from the repository root (the folder is a relative path)
  const argv = [
    'sft',
    '--preset',
    preset,
    '--set',
    'student.init=""',
    '--out',
    relative(process.cwd(), tmp),
  ];
  const command = `npm run lab -- ${argv.map((a) => (a.includes('"') ? `'${a}'` : a)).join(' ')}`;
  process.stderr.write(`students: ${name}: ${command}\n`);
  await rm(tmp, { recursive: true, force: true }); // a folder left by an interrupted run
  const t0 = performance.now();
  const code = await main(argv, nodeIo);
  if (code !== 0) throw new Error(`students: ${name}: sft exited with ${code}`);
  const sftSeconds = (performance.now() - t0) / 1000;

  // float16 weights: what ships, and what the accuracy is measured on
  const trained = loadCheckpoint((await readCheckpointDir(tmp)).files);
  const f16 = await modelToSafetensors(trained.model, {}, 'F16');
  trained.model.dispose();
  const dir = join(STUDENTS_ROOT, name);
  await mkdir(dir, { recursive: true });
  const files: Record<string, Uint8Array> = {
    'config.json': await readFile(join(tmp, 'config.json')),
    'tokenizer.json': await readFile(join(tmp, 'tokenizer.json')),
    'model.safetensors': f16,
  };
  for (const [f, bytes] of Object.entries(files)) await writeFile(join(dir, f), bytes);
  await rm(tmp, { recursive: true, force: true });

  const shipped = loadCheckpoint({
    'model.safetensors': f16,
    'config.json': new TextDecoder().decode(files['config.json']),
    'tokenizer.json': new TextDecoder().decode(files['tokenizer.json']),
  });
  const held = await loadItems(
    { ...config.data, evalSize: Math.max(config.data.evalSize, SHIPPED_HELD_OUT_QUESTIONS) },
    'eval',
  );
  const r = await evaluate(
    shipped.model,
    shipped.tokenizer,
    held.items.slice(0, SHIPPED_HELD_OUT_QUESTIONS),
    greedyEvalOptions(config),
  );
  const correct = r.records.filter((x) => x.mode === 'greedy' && x.correct).length;
  const parameters = parameterCount(shipped.model);
  shipped.model.dispose();
  const fileEntries = {} as ShippedStudentEntry['files'];
  for (const f of SHIPPED_STUDENT_FILES)
    fileEntries[f] = { sha256: await sha256Hex(files[f]), bytes: files[f].byteLength };
  process.stderr.write(
    `students: ${name}: held-out greedy ${correct}/${SHIPPED_HELD_OUT_QUESTIONS}, ${sftSeconds.toFixed(0)} s of SFT\n`,
  );
  return {
    preset,
    description: DESCRIPTIONS[name],
    command,
    seed: config.seed,
    sftSteps: config.sft.steps,
    sftSeconds: Math.round(sftSeconds),
    dtype: 'F16',
    parameters,
    heldOut: {
      correct,
      total: SHIPPED_HELD_OUT_QUESTIONS,
      accuracy: correct / SHIPPED_HELD_OUT_QUESTIONS,
    },
    files: fileEntries,
  };
}

async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const names = SHIPPED_STUDENT_NAMES.filter((n) => !only || n === only);
  if (names.length === 0)
    throw new Error(`--only: no student "${only}"; valid: ${SHIPPED_STUDENT_NAMES.join(', ')}`);
  await mkdir(STUDENTS_ROOT, { recursive: true });
  const path = join(STUDENTS_ROOT, STUDENTS_MANIFEST);
  for (const name of names) {
    const entry = await makeStudent(name);
    // read just before writing: the other students' entries stay as they are
    const manifest: ShippedManifest = await readFile(path, 'utf8')
      .then((t) => JSON.parse(t) as ShippedManifest)
      .catch(() => ({ version: 1, students: {} }));
    manifest.students[name] = entry;
    const sorted = Object.fromEntries(
      SHIPPED_STUDENT_NAMES.filter((n) => manifest.students[n]).map((n) => [
        n,
        manifest.students[n],
      ]),
    );
    await writeFile(path, JSON.stringify({ version: 1, students: sorted }, null, 2) + '\n');
  }
  process.stderr.write(`students: wrote ${path}\n`);
}

run().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
