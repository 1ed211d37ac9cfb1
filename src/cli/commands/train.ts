import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { applyOverride, type RunConfig } from '../../contract/config';
import { buildTeacher } from '../../engine/teacher/build';
import { redactText, secretValues } from '../../contract/redact';
import { runTraining, type RunInputs } from '../../engine/loop/run';
import { trainerCheckpoint } from '../../engine/loop/resume';
import { presetConfig } from '../../contract/presets';
import { loadCheckedCheckpoint } from '../../engine/store/checkpoint';
import { loadRunStudent, loadShippedStudent } from '../../engine/students/load';
import { isShippedStudentName, SHIPPED_STUDENT_NAMES } from '../../contract/students';
import { isDirectory, readShippedFile } from '../shippedStudents';
import { heldOutItems, loadItems } from '../../engine/eval/sources';
import { readCheckpointDir } from '../checkpointDir';
import { writeEvalRow } from '../evalRow';
import { fmt, writeStepRow } from '../stepRow';
import { EXIT, parseFlags, type CliCommand, type CliIo } from '../command';
import { initNodeBackend, parseNodeBackend } from '../nodeBackend';
import { parseWasmThreads } from '../nodeWasmThreads';
import { readTextFile } from './sft';
import { applyResumePlan, evalDueAtResume, planResume, resumeConfig } from './trainResume';
import { isPretrainedStudent } from '../../engine/hf/student';
import { runPretrainedTrain } from './pretrained';
import type { TaskItem } from '../../engine/tasks/types';
import { outFolderProblem, RunFolderWriter, runSecrets } from '../runFolder';
import { adoptModelShape } from './initShape';
import { teacherProgress } from '../teacherProgress';
import { describeRunFailure } from '../../engine/backend/outOfMemory';

export const TRAIN_USAGE = `Usage: npm run lab -- train --preset P --out DIR [options]
  --preset P            tiny | lab | unknown-behavior | reference (default tiny)
  --algo A              grpo | thinktuning (default: the preset's)
  --teacher T           builtin | http
  --teacher-url U       OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1
  --teacher-model M     model name on that server
  --teacher-key-file F  read the API key from file F (or set env TEACHER_API_KEY); never
                        written to disk or printed
  --teacher-key K       the API key itself; other users can read it in the process list (ps)
                        for the whole run, so prefer the two above
  --init DIR|NAME       start from a checkpoint folder or a shipped warm-up student
                        (${SHIPPED_STUDENT_NAMES.join(', ')}); skips warm-up SFT; the model's shape
                        and tokenizer are the checkpoint's. Default: the preset's student.init
                        (cpu and unknown-behavior start from their shipped student;
                        --set student.init='""' warms up from scratch)
  --resume DIR          continue a run folder written by --out from its checkpoint (exactly: same
                        optimizer, RNG and data order); --set rl.steps=N to go further
  --overwrite           replace the run already in --out DIR (refused without it)
  --model-dir D         a pretrained Hugging Face model folder (path or URL): trains it with
                        LoRA (student.* settings); same as --set student.source=hf --set student.hf=D
  --set key=value       override any config field (repeatable), e.g. --set rl.steps=10
  --backend B           wasm (default) | cpu
  --wasm-threads N      wasm on N threads (tfjs's threaded build; default 1)
  --out DIR             writes config.json, metrics.jsonl, trajectories.jsonl, sft_metrics.jsonl,
                        eval.jsonl (greedy held-out accuracy every rl.evalEvery steps), checkpoint/
                        (default with --resume: that folder)`;

export interface TrainArgs {
  preset: string;
  out: string;
  algo?: string;
  teacher?: string;
  teacherUrl?: string;
  teacherModel?: string;
  /** The API key (from --teacher-key, --teacher-key-file or TEACHER_API_KEY). */
  teacherKey?: string;
  init?: string;
  /** A run folder to continue (train --out's layout). */
  resume?: string;
  modelDir?: string;
  sets: string[];
}

/** The run's config: preset, then the dedicated flags, then --set overrides. */
export function trainConfig(a: TrainArgs): RunConfig {
  let c = presetConfig(a.preset);
  if (a.algo) c = applyOverride(c, `rl.algo=${a.algo}`);
  if (a.teacher) c = applyOverride(c, `teacher.kind=${a.teacher}`);
  if (a.teacherUrl) c = applyOverride(c, `teacher.baseURL=${a.teacherUrl}`);
  if (a.teacherModel) c = applyOverride(c, `teacher.model=${a.teacherModel}`);
  if (a.modelDir) {
    c = applyOverride(c, 'student.source=hf');
    c = applyOverride(c, `student.hf=${JSON.stringify(a.modelDir)}`);
  }
  for (const s of a.sets) c = applyOverride(c, s);
  return c;
}

/**
 * `train`: runs warm-up SFT (unless --init) and GRPO/ThinkTuning, writing results under --out.
 * Every input (the --init checkpoint, or with --resume the checkpoint and the run's files) is
 * read and checked before anything in --out changes.
 */
export async function runTrain(
  a: TrainArgs,
  c: RunConfig,
  trainItems: TaskItem[],
  log: (s: string) => void,
  evalItems: TaskItem[] = [],
): Promise<void> {
  if (isPretrainedStudent(c)) return runPretrainedTrain(a, c, trainItems, log, evalItems);
  const apiKey = a.teacherKey;
  const inputs: RunInputs = {
    config: c,
    trainItems,
    teacher: null,
    evalItems,
    checkpointAtStart: true,
  };
  const note = (n: string) => log(`note: ${n}`);
  // ---- read and check every input; nothing is written yet ----
  const plan = a.resume ? await planResume(a.resume, c, a.sets) : undefined;
  if (plan) {
    inputs.config = plan.config;
    inputs.resume = plan.point;
    inputs.evalAtResume = evalDueAtResume(plan);
    plan.notes.forEach(note);
  } else if (a.init && (await isDirectory(a.init))) {
    const init = await readCheckpointDir(a.init, { note });
    inputs.config = adoptModelShape(c, init.checked.meta, a.sets, `--init ${a.init}`);
    const loaded = loadCheckedCheckpoint(init.checked);
    inputs.student = { model: loaded.model, tokenizer: loaded.tokenizer, warmedUp: true };
  } else if (a.init) {
    // not a folder: a shipped warm-up student by name (checked against its manifest)
    if (!isShippedStudentName(a.init))
      throw new Error(
        `--init ${a.init}: no such checkpoint folder, and no shipped student of that name (shipped: ${SHIPPED_STUDENT_NAMES.join(', ')}).`,
      );
    const s = await loadShippedStudent(a.init, readShippedFile);
    inputs.config = adoptModelShape(c, s.meta, a.sets, `--init ${a.init}`);
    inputs.student = { model: s.model, tokenizer: s.tokenizer, warmedUp: true };
    log(`train: starting from the shipped student "${a.init}" (no warm-up SFT)`);
  } else {
    // the preset's shipped warm-up student (student.init), unless it is ""
    const s = await loadRunStudent(c, readShippedFile);
    if (s) {
      inputs.student = { model: s.model, tokenizer: s.tokenizer, warmedUp: true };
      log(`train: starting from the shipped student "${s.name}" (student.init; no warm-up SFT)`);
    }
  }
  c = inputs.config;
  const teacher = c.rl.algo === 'thinktuning' ? buildTeacher(c, { apiKey }) : null;
  inputs.teacher = teacher;
  // ---- now the folder: a fresh run, or the resumed one trimmed to its checkpoint ----
  const folder = new RunFolderWriter(a.out, runSecrets(c, apiKey));
  if (plan) {
    await applyResumePlan(plan);
    await folder.writeConfig(c);
    await folder.removeStaleTemps();
  } else await folder.start(c);
  log(
    `train: preset ${a.preset}, ${c.rl.algo}, teacher ${teacher ? c.teacher.kind : 'none'}, ${trainItems.length} questions, ${c.rl.steps} steps` +
      (plan ? `, resumed at step ${plan.point.state.step}` : ''),
  );
  const progress = teacherProgress(log);
  let halted = false;
  try {
    await runTraining(inputs, {
      gate: () => !halted, // a halted run ends here, its last good weights saved
      onPhase: (p) => (p === 'warm-up' ? log(`warm-up SFT: ${c.sft.steps} steps`) : undefined),
      onSftStep: async (m) => {
        await folder.append('sft_metrics.jsonl', [m]);
        if (m.step % 25 === 0 || m.step === c.sft.steps)
          log(`sft ${m.step}/${c.sft.steps} loss ${fmt(m.loss)}`);
      },
      stepOptions: (step) => ({ onTeacherStatus: (s) => progress.onStatus(step, s) }),
      onStep: async (r) => {
        progress.stepDone();
        await writeStepRow(folder, r, c.rl.steps, log);
      },
      onEval: (step, r) => writeEvalRow(folder, step, r, log),
      onHalt: (halt) => {
        halted = true;
        log(`train: stopped at step ${halt.step}: ${halt.message}`);
      },
      onCheckpoint: async (step, trainer) => {
        const files = await trainerCheckpoint(trainer);
        log(`checkpoint at step ${step} -> ${await folder.checkpoint(files)}`);
      },
    });
  } finally {
    progress.stepDone();
  }
}

/** The API key from --teacher-key, --teacher-key-file or TEACHER_API_KEY (in that order). */
async function apiKeyFrom(
  v: Record<string, string>,
  warn: (s: string) => void,
): Promise<string | undefined> {
  if (v['teacher-key'] !== undefined && v['teacher-key-file'] !== undefined)
    throw new Error('pass the API key once: --teacher-key-file or --teacher-key, not both.');
  if (v['teacher-key'] !== undefined) {
    warn(
      'warning: --teacher-key puts the key in the process list, where any user of this machine can read it (ps) for the whole run; use --teacher-key-file FILE or the TEACHER_API_KEY environment variable instead.',
    );
    return v['teacher-key'] || undefined;
  }
  const file = v['teacher-key-file'];
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new Error(
        `--teacher-key-file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
      );
    }
    const key = text.trim();
    if (!key) throw new Error(`--teacher-key-file: ${file} is empty.`);
    return key;
  }
  return process.env.TEACHER_API_KEY || undefined;
}

async function runTrainCommand(argv: readonly string[], rawIo: CliIo): Promise<number> {
  // Every message goes out scrubbed: of key-shaped text and URL credentials at once, and of the
  // run's known secrets (the key, URL query values) as soon as they are known.
  const secrets: string[] = [];
  const io: CliIo = {
    stdout: (t) => rawIo.stdout(redactText(t, secrets)),
    stderr: (t) => rawIo.stderr(redactText(t, secrets)),
  };
  const flags = parseFlags(argv, {
    values: [
      'preset',
      'out',
      'algo',
      'teacher',
      'teacher-url',
      'teacher-model',
      'teacher-key',
      'teacher-key-file',
      'init',
      'resume',
      'model-dir',
      'backend',
      'wasm-threads',
    ],
    lists: ['set'],
    switches: ['overwrite'],
  });
  const usage = (msg: string) => {
    io.stderr(`train: ${msg}\n${TRAIN_USAGE}\n`);
    return EXIT.usage;
  };
  if ('error' in flags) return usage(flags.error);
  const v = flags.values;
  let apiKey: string | undefined;
  try {
    apiKey = await apiKeyFrom(v, (w) => io.stderr(`${w}\n`));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (apiKey) secrets.push(apiKey);
  if (!v.out && !v.resume) return usage('missing --out DIR');
  if (v.resume && v.out && resolve(v.out) !== resolve(v.resume))
    return usage('--resume continues the run in its own folder: leave out --out.');
  if (v.resume && v.init)
    return usage("--resume continues from the run's own checkpoint: leave out --init.");
  if (v.resume && flags.switches.has('overwrite'))
    return usage(
      '--resume continues the run in its folder; --overwrite would replace it: pass one.',
    );
  const backend = parseNodeBackend(v.backend);
  if (typeof backend !== 'string') return usage(backend.error);
  const wasmThreads = v['wasm-threads'] === undefined ? 1 : parseWasmThreads(v['wasm-threads']);
  if (typeof wasmThreads !== 'number') return usage(wasmThreads.error);
  const args: TrainArgs = {
    preset: v.preset ?? 'tiny',
    out: (v.out ?? v.resume)!,
    algo: v.algo,
    teacher: v.teacher,
    teacherUrl: v['teacher-url'],
    teacherModel: v['teacher-model'],
    teacherKey: apiKey,
    init: v.init,
    resume: v.resume,
    modelDir: v['model-dir'],
    sets: flags.lists.set ?? [],
  };
  if (!args.resume) {
    const problem = await outFolderProblem(args.out, flags.switches.has('overwrite'));
    if (problem) return usage(problem);
  }
  let config: RunConfig;
  try {
    config = args.resume ? await resumeConfig(args.resume, args.sets) : trainConfig(args);
  } catch (e) {
    return usage((e as Error).message);
  }
  secrets.push(...secretValues(config));
  try {
    await initNodeBackend(backend, wasmThreads);
    const train = await loadItems(config.data, 'train', readTextFile);
    for (const w of train.warnings) io.stderr(`warning: ${w}\n`);
    const held = await heldOutItems(config, readTextFile);
    for (const w of held.warnings) io.stderr(`warning: ${w}\n`);
    const evalItems = held.items;
    await runTrain(args, config, train.items, (s) => io.stderr(s + '\n'), evalItems);
    return EXIT.ok;
  } catch (e) {
    io.stderr(`train: ${describeRunFailure(e, config.rl)}\n`);
    return EXIT.failed;
  }
}

export const trainCommand: CliCommand = {
  summary:
    'warm-up SFT, then GRPO or ThinkTuning; writes metrics.jsonl, trajectories.jsonl, checkpoint/',
  usage: TRAIN_USAGE,
  run: runTrainCommand,
};
