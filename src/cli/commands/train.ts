import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyOverride, type RunConfig } from '../../engine/config';
import { createTeacher } from '../../engine/loop/setup';
import { runTraining } from '../../engine/loop/run';
import { presetConfig } from '../../engine/presets';
import { readCheckpointDir, writeCheckpointDir } from '../checkpointDir';
import { loadCheckpoint } from '../../engine/store/checkpoint';
import { generateProblems } from '../../engine/tasks/generated';
import { generateMultipleChoice } from '../../engine/tasks/multipleChoice';
import type { TaskItem } from '../../engine/tasks/types';

export const TRAIN_USAGE = `Usage: npm run lab -- train --preset P --out DIR [options]
  --preset P            tiny | lab | unknown-behavior | reference (default tiny)
  --algo A              grpo | thinktuning (default: the preset's)
  --teacher T           builtin | http
  --teacher-url U       OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1
  --teacher-model M     model name on that server
  --teacher-key K       API key (or env TEACHER_API_KEY); never written to disk
  --init DIR            start from a checkpoint folder (skips warm-up SFT)
  --set key=value       override any config field (repeatable), e.g. --set rl.steps=10
  --backend B           wasm (default) | cpu
  --out DIR             writes metrics.jsonl, trajectories.jsonl, sft_metrics.jsonl, checkpoint/`;

export interface TrainArgs {
  preset: string;
  out: string;
  algo?: 'grpo' | 'thinktuning';
  teacher?: 'builtin' | 'http';
  teacherUrl?: string;
  teacherModel?: string;
  teacherKey?: string;
  init?: string;
  sets: string[];
  backend: 'wasm' | 'cpu';
}

/** Parses train flags; returns an error message naming the bad flag. */
export function parseTrainArgs(argv: readonly string[]): TrainArgs | { error: string } {
  const a: TrainArgs = { preset: 'tiny', out: '', sets: [], backend: 'wasm' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const val = argv[i + 1];
    const need = () => {
      if (val === undefined || val.startsWith('--')) throw new Error(`${flag} needs a value.`);
      i++;
      return val;
    };
    try {
      switch (flag) {
        case '--preset':
          a.preset = need();
          break;
        case '--out':
          a.out = need();
          break;
        case '--algo': {
          const v = need();
          if (v !== 'grpo' && v !== 'thinktuning')
            return { error: `--algo must be grpo or thinktuning (got "${v}").` };
          a.algo = v;
          break;
        }
        case '--teacher': {
          const v = need();
          if (v !== 'builtin' && v !== 'http')
            return { error: `--teacher must be builtin or http (got "${v}").` };
          a.teacher = v;
          break;
        }
        case '--teacher-url':
          a.teacherUrl = need();
          break;
        case '--teacher-model':
          a.teacherModel = need();
          break;
        case '--teacher-key':
          a.teacherKey = need();
          break;
        case '--init':
          a.init = need();
          break;
        case '--set':
          a.sets.push(need());
          break;
        case '--backend': {
          const v = need();
          if (v !== 'wasm' && v !== 'cpu')
            return { error: `--backend must be wasm or cpu (got "${v}").` };
          a.backend = v;
          break;
        }
        default:
          return { error: `Unknown flag "${flag}".\n${TRAIN_USAGE}` };
      }
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  if (!a.out) return { error: `--out DIR is required.\n${TRAIN_USAGE}` };
  return a;
}

/** The run's config: preset, then the dedicated flags, then --set overrides. */
export function trainConfig(a: TrainArgs): RunConfig {
  let c = presetConfig(a.preset);
  if (a.algo) c = applyOverride(c, `rl.algo=${a.algo}`);
  if (a.teacher) c = applyOverride(c, `teacher.kind=${a.teacher}`);
  if (a.teacherUrl) c = applyOverride(c, `teacher.baseURL=${a.teacherUrl}`);
  if (a.teacherModel) c = applyOverride(c, `teacher.model=${a.teacherModel}`);
  for (const s of a.sets) c = applyOverride(c, s);
  return c;
}

/** Training questions for generated sources (GSM8K is read by the CLI's data loader). */
export function generatedTrainItems(c: RunConfig): TaskItem[] {
  const opts = {
    seed: c.seed,
    count: c.data.trainSize,
    levels: c.data.levels,
    split: 'train' as const,
  };
  if (c.data.source === 'multiple-choice') return generateMultipleChoice(opts);
  if (c.data.source === 'generated') return generateProblems(opts);
  throw new Error(
    `data.source "${c.data.source}" needs a file: set data.gsm8kTrain to a GSM8K JSONL path.`,
  );
}

const fmt = (x: number | undefined, d = 3) => (x === undefined ? '-' : x.toFixed(d));

/** `train`: runs warm-up SFT (unless --init) and GRPO/ThinkTuning, writing results under --out. */
export async function runTrain(
  a: TrainArgs,
  trainItems: TaskItem[],
  log: (s: string) => void = (s) => process.stderr.write(s + '\n'),
): Promise<void> {
  const c = trainConfig(a);
  const apiKey = a.teacherKey ?? process.env.TEACHER_API_KEY;
  await mkdir(a.out, { recursive: true });
  await writeFile(join(a.out, 'config.json'), JSON.stringify(c, null, 2)); // no API key in configs
  for (const f of ['metrics.jsonl', 'trajectories.jsonl', 'sft_metrics.jsonl'])
    await writeFile(join(a.out, f), '');
  const init = a.init ? loadCheckpoint(await readCheckpointDir(a.init)) : undefined;
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
      onCheckpoint: async (step, files) => {
        await writeCheckpointDir(join(a.out, 'checkpoint'), files);
        log(`checkpoint at step ${step} -> ${join(a.out, 'checkpoint')}`);
      },
    },
  );
}
