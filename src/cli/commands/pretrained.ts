/**
 * `train` on a pretrained Hugging Face student (config.student.source = "hf", or --model-dir):
 * the model folder is loaded from student.hf (a path or URL), GRPO/ThinkTuning runs on it
 * (LoRA adapters only, unless student.lora is false), and the adapters are saved in PEFT's
 * format under OUT/adapter/ (OUT/model/ after full fine-tuning, with the tokenizer files).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunConfig } from '../../contract/config';
import { pretrainedCheckpoint } from '../../engine/hf/export';
import { loadHfModel, type LoadedHfModel } from '../../engine/hf/load';
import { formatBytes } from '../../contract/format';
import { readPeftAdapters } from '../../engine/hf/peft';
import { loadPretrainedStudent } from '../../engine/hf/student';
import { buildTeacher } from '../../engine/teacher/build';
import { runTraining } from '../../engine/loop/run';
import type { TaskItem } from '../../engine/tasks/types';
import { hfSourceFor } from '../hfDir';
import { writeFolderAtomic } from '../checkpointDir';
import { RunFolderWriter, runSecrets } from '../runFolder';
import { teacherProgress } from '../teacherProgress';
import { writeEvalRow } from '../evalRow';
import { writeStepRow } from '../stepRow';

/** Loads config.student.hf, logging the model's size and progress by file. */
export async function loadCliPretrained(
  c: RunConfig,
  log: (s: string) => void,
): Promise<LoadedHfModel> {
  if (!c.student.hf) {
    throw new Error(
      'student.source is "hf" but student.hf is empty; pass --model-dir DIR (or --set student.hf=DIR_OR_URL).',
    );
  }
  let lastFile = '';
  const loaded = await loadPretrainedStudent(c, hfSourceFor(c.student.hf), (p) => {
    if (p.phase === 'download' && p.file !== lastFile) {
      lastFile = p.file;
      log(`loading ${p.file}`);
    }
  });
  const e = loaded.estimate;
  log(
    `model: ${loaded.config.architecture}, ${(e.parameters / 1e6).toFixed(2)}M parameters (${formatBytes(e.weightBytes)} as float32), ` +
      `${c.student.lora ? `LoRA r=${c.student.loraRank} on ${c.student.loraTargets.join(',')}` : 'full fine-tuning'}: ` +
      `${e.trainableParameters} trainable; tokenizer ${loaded.tokenizer.vocabSize} tokens, eos ${JSON.stringify(loaded.tokenizer.tokenText(loaded.tokenizer.eosId))}`,
  );
  return loaded;
}

/** `train` on a pretrained student: the run driver with this command's folder as its I/O. */
export async function runPretrainedTrain(
  a: { out: string; preset: string; teacherKey?: string },
  c: RunConfig,
  trainItems: TaskItem[],
  log: (s: string) => void,
  evalItems: TaskItem[] = [],
): Promise<void> {
  const student = await loadCliPretrained(c, log);
  // The model loaded: now the folder (config.json without secrets, empty JSONL files).
  const folder = new RunFolderWriter(a.out, runSecrets(c, a.teacherKey));
  await folder.start(c);
  const { model, tokenizer } = student;
  const teacher = c.rl.algo === 'thinktuning' ? buildTeacher(c, { apiKey: a.teacherKey }) : null;
  log(
    `train: preset ${a.preset}, ${c.rl.algo}, teacher ${teacher ? c.teacher.kind : 'none'}, ${trainItems.length} questions, ${c.rl.steps} steps`,
  );
  const save = async (step: number) => {
    const { folder, files } = await pretrainedCheckpoint(model, student.hfConfig, c.student.hf);
    if (folder === 'model') {
      files['tokenizer.json'] = JSON.stringify(tokenizer.toJSON());
      const source = hfSourceFor(c.student.hf);
      for (const name of ['tokenizer_config.json', 'generation_config.json']) {
        const bytes = await source.read(name);
        if (bytes) files[name] = bytes;
      }
    }
    await writeFolderAtomic(join(a.out, folder), step, files);
    log(`checkpoint at step ${step} -> ${join(a.out, folder)}`);
  };
  const progress = teacherProgress(log);
  let halted = false;
  try {
    await runTraining(
      {
        config: c,
        trainItems,
        teacher,
        evalItems,
        // A pretrained model is warmed up only when the config asks for it (sft.steps > 0).
        student: { model, tokenizer, warmedUp: false },
        checkpointAtStart: true,
      },
      {
        gate: () => !halted,
        onPhase: (p) => (p === 'warm-up' ? log(`warm-up SFT: ${c.sft.steps} steps`) : undefined),
        onSftStep: (m) => folder.append('sft_metrics.jsonl', [m]),
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
        onCheckpoint: (step) => save(step),
      },
    );
  } finally {
    progress.stepDone();
    model.dispose();
  }
}

/**
 * A pretrained model for `eval --model-dir D [--adapter A]`: the base model, with the PEFT
 * adapters of A (a train run's OUT/adapter/) applied when given.
 */
export async function loadCliPretrainedForEval(
  modelDir: string,
  adapterDir: string | undefined,
  log: (s: string) => void,
): Promise<LoadedHfModel> {
  if (!adapterDir) return loadHfModel(hfSourceFor(modelDir), { lora: null });
  const read = async (name: string) => {
    try {
      return await readFile(join(adapterDir, name));
    } catch {
      throw new Error(`${adapterDir} has no ${name}; pass the adapter/ folder a train run wrote.`);
    }
  };
  const { options, arrays } = readPeftAdapters({
    'adapter_model.safetensors': new Uint8Array(await read('adapter_model.safetensors')),
    'adapter_config.json': (await read('adapter_config.json')).toString('utf8'),
  });
  const loaded = await loadHfModel(hfSourceFor(modelDir), { lora: options });
  loaded.model.lora!.assign(arrays);
  log(`adapters from ${adapterDir}: r=${options.rank}, alpha=${options.alpha}`);
  return loaded;
}
