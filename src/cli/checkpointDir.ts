import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFiles } from '../engine/store/checkpoint';

/** Writes a checkpoint's files into a folder (created if missing). */
export async function writeCheckpointDir(dir: string, files: CheckpointFiles): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.safetensors'), files['model.safetensors']);
  await writeFile(join(dir, 'config.json'), files['config.json']);
  await writeFile(join(dir, 'tokenizer.json'), files['tokenizer.json']);
  const state = files['trainer_state.safetensors'];
  if (state) await writeFile(join(dir, 'trainer_state.safetensors'), state);
}

/** Reads a checkpoint folder; a missing file is named in the error. */
export async function readCheckpointDir(dir: string): Promise<CheckpointFiles> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch {
      throw new Error(
        `Checkpoint folder ${dir} has no ${name}; pass a folder written by "sft" or "train".`,
      );
    }
  };
  const files: CheckpointFiles = {
    'model.safetensors': new Uint8Array(await read('model.safetensors')),
    'config.json': (await read('config.json')).toString('utf8'),
    'tokenizer.json': (await read('tokenizer.json')).toString('utf8'),
  };
  // RL checkpoints also hold the trainer's state (optimizer, RNG, data order): what resume needs.
  const state = await readFile(join(dir, 'trainer_state.safetensors')).catch(() => null);
  if (state) files['trainer_state.safetensors'] = new Uint8Array(state);
  return files;
}
