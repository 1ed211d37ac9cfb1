import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { applyOverride, type RunConfig } from '../../engine/config';
import { createTeacher } from '../../engine/loop/setup';
import { redactSecrets } from '../../engine/security/redact';
import { runTraining } from '../../engine/loop/run';
import { presetConfig } from '../../engine/presets';
import { writeCheckpointDir } from '../checkpointDir';
import { loadRunStudent } from '../../engine/students/load';
import { loadInit, readShippedFile } from '../shippedStudents';
import { heldOutItems, loadItems } from '../../engine/eval/sources';
import { evalSummary } from './sft';
import { EXIT, parseFlags, type CliCommand, type CliIo } from '../command';
import { initNodeBackend, parseNodeBackend } from '../nodeBackend';
import { readTextFile } from './sft';
import { prepareResumeDir, resumeConfig } from './trainResume';
import { isPretrainedStudent } from '../../engine/hf/student';
import { runPretrainedTrain } from './pretrained';
import type { TaskItem } from '../../engine/tasks/types';

export const TRAIN_USAGE = `Usage: npm run lab -- train --preset P --out DIR [options]
  --preset P            tiny | lab | unknown-behavior | reference (default tiny)
  --algo A              grpo | thinktuning (default: the preset's)
  --teacher T           builtin | http
  --teacher-url U       OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1
  --teacher-model M     model name on that server
  --teacher-key K       API key (or env TEACHER_API_KEY); never written to disk
  --init DIR|NAME       start from a checkpoint folder or a shipped warm-up student (tiny,
                        unknown-behavior); skips warm-up SFT. Default: the preset's student.init
                        (tiny and unknown-behavior start from their shipped student;
                        --set student.init='""' warms up from scratch)
  --resume DIR          continue a run folder written by --out from its checkpoint (exactly: same
                        optimizer, RNG and data order); --set rl.steps=N to go further
  --model-dir D         a pretrained Hugging Face model folder (path or URL): trains it with
                        LoRA (student.* settings); same as --set student.source=hf --set student.hf=D
  --set key=value       override any config field (repeatable), e.g. --set rl.steps=10
  --backend B           wasm (default) | cpu
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

/** The weights a new run starts from: --init, else the config's shipped student, else none. */
async function startingPoint(a: TrainArgs, c: RunConfig) {
  if (a.resume) return undefined;
  if (a.init) return loadInit(a.init);
  const s = await loadRunStudent(c, readShippedFile);
  return s ? { ...s, source: `the shipped student "${s.name}" (student.init)` } : undefined;
}

const fmt = (x: number | undefined, d = 3) => (x === undefined ? '-' : x.toFixed(d));

/** `train`: runs warm-up SFT (unless --init) and GRPO/ThinkTuning, writing results under --out. */
export async function runTrain(
  a: TrainArgs,
  c: RunConfig,
  trainItems: TaskItem[],
  log: (s: string) => void,
  evalItems: TaskItem[] = [],
): Promise<void> {
  if (isPretrainedStudent(c)) return runPretrainedTrain(a, c, trainItems, log);
  const apiKey = a.teacherKey ?? process.env.TEACHER_API_KEY;
  await mkdir(a.out, { recursive: true });
  // The API key is never part of a config; credentials pasted into a URL are redacted too.
  await writeFile(join(a.out, 'config.json'), JSON.stringify(redactSecrets(c), null, 2));
  // Resuming keeps the rows up to the checkpoint; a new run starts empty files.
  const resume = a.resume ? await prepareResumeDir(a.resume) : undefined;
  if (!resume)
    for (const f of ['metrics.jsonl', 'trajectories.jsonl', 'sft_metrics.jsonl', 'eval.jsonl'])
      await writeFile(join(a.out, f), '');
  const init = await startingPoint(a, c);
  if (init) log(`train: starting from ${init.source} (no warm-up SFT)`);
  const teacher = c.rl.algo === 'thinktuning' ? createTeacher(c, apiKey) : null;
  log(
    `train: preset ${a.preset}, ${c.rl.algo}, teacher ${teacher ? c.teacher.kind : 'none'}, ${trainItems.length} questions, ${c.rl.steps} steps`,
  );
  await runTraining(
    {
      config: c,
      trainItems,
      teacher,
      init: init && { model: init.model, tokenizer: init.tokenizer },
      resume,
      evalItems,
    },
    {
      onPhase: (p) => (p === 'warm-up' ? log(`warm-up SFT: ${c.sft.steps} steps`) : undefined),
      onSftStep: async (m) => {
        await appendFile(join(a.out, 'sft_metrics.jsonl'), JSON.stringify(m) + '\n');
        if (m.step % 25 === 0 || m.step === c.sft.steps)
          log(`sft ${m.step}/${c.sft.steps} loss ${fmt(m.loss)}`);
      },
      onStep: async (r) => {
        const m = r.metrics;
        await appendFile(join(a.out, 'metrics.jsonl'), JSON.stringify(m) + '\n');
        await appendFile(
          join(a.out, 'trajectories.jsonl'),
          r.trajectories.map((t) => JSON.stringify(t)).join('\n') + '\n',
        );
        log(
          `step ${m.step}/${c.rl.steps} reward ${fmt(m.reward)} acc ${fmt(m.accuracy, 2)} guided ${m['thinktuning/guided_count']} ` +
            `catchphrase ${fmt(m['behavior/catchphrase_rate_unguided'], 2)} clip ${fmt(m['clip_ratio/region_mean'])} ` +
            `len ${fmt(m['completions/mean_length'], 0)} loss ${fmt(m.loss, 4)} ${fmt(m.step_time, 1)}s` +
            (r.notes.length ? ` | ${r.notes.length} note(s): ${r.notes[0]}` : ''),
        );
      },
      onEval: async (step, r) => {
        const row = {
          step,
          ...evalSummary(r),
          catchphraseRate: r.greedy?.catchphraseRate ?? null,
          reflectionRate: r.greedy?.reflectionRate ?? null,
        };
        await appendFile(join(a.out, 'eval.jsonl'), JSON.stringify(row) + '\n');
        log(
          `eval at step ${step}: greedy accuracy ${fmt(r.greedyAccuracy ?? undefined, 3)} on ${r.questions} held-out questions` +
            (row.catchphraseRate === null ? '' : `, catchphrase ${fmt(row.catchphraseRate, 3)}`),
        );
      },
      onHalt: (halt) => log(`train: stopped at step ${halt.step}: ${halt.message}`),
      onCheckpoint: async (step, files) => {
        await writeCheckpointDir(join(a.out, 'checkpoint'), files);
        log(`checkpoint at step ${step} -> ${join(a.out, 'checkpoint')}`);
      },
    },
  );
}

async function runTrainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    values: [
      'preset',
      'out',
      'algo',
      'teacher',
      'teacher-url',
      'teacher-model',
      'teacher-key',
      'init',
      'resume',
      'model-dir',
      'backend',
    ],
    lists: ['set'],
  });
  const usage = (msg: string) => {
    io.stderr(`train: ${msg}\n${TRAIN_USAGE}\n`);
    return EXIT.usage;
  };
  if ('error' in flags) return usage(flags.error);
  const v = flags.values;
  if (!v.out && !v.resume) return usage('missing --out DIR');
  if (v.resume && v.out && resolve(v.out) !== resolve(v.resume))
    return usage('--resume continues the run in its own folder: leave out --out.');
  const backend = parseNodeBackend(v.backend);
  if (typeof backend !== 'string') return usage(backend.error);
  const args: TrainArgs = {
    preset: v.preset ?? 'tiny',
    out: (v.out ?? v.resume)!,
    algo: v.algo,
    teacher: v.teacher,
    teacherUrl: v['teacher-url'],
    teacherModel: v['teacher-model'],
    teacherKey: v['teacher-key'],
    init: v.init,
    resume: v.resume,
    modelDir: v['model-dir'],
    sets: flags.lists.set ?? [],
  };
  let config: RunConfig;
  try {
    config = args.resume ? await resumeConfig(args.resume, args.sets) : trainConfig(args);
  } catch (e) {
    return usage((e as Error).message);
  }
  try {
    await initNodeBackend(backend);
    const train = await loadItems(config.data, 'train', readTextFile);
    for (const w of train.warnings) io.stderr(`warning: ${w}\n`);
    const held = await heldOutItems(config, readTextFile);
    for (const w of held.warnings) io.stderr(`warning: ${w}\n`);
    const evalItems = held.items;
    await runTrain(args, config, train.items, (s) => io.stderr(s + '\n'), evalItems);
    return EXIT.ok;
  } catch (e) {
    io.stderr(`train: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
}

export const trainCommand: CliCommand = {
  summary:
    'warm-up SFT, then GRPO or ThinkTuning; writes metrics.jsonl, trajectories.jsonl, checkpoint/',
  usage: TRAIN_USAGE,
  run: runTrainCommand,
};
