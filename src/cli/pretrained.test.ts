import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from './command';
import { main } from './main';

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

const out = mkdtempSync(join(tmpdir(), 'lab-hf-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('CLI on a pretrained model folder', () => {
  it('train --model-dir runs GRPO with LoRA and writes PEFT adapters; eval applies them', async () => {
    const io = capture();
    const code = await main(
      [
        'train',
        '--preset',
        'smollm2-135m-instruct',
        '--model-dir',
        'test/fixtures/hf/tiny-llama',
        '--algo',
        'grpo',
        '--set',
        'rl.steps=1',
        '--set',
        'rl.maxNewTokens=6',
        '--set',
        'data.trainSize=8',
        '--out',
        out,
      ],
      io,
    );
    expect(io.err).toMatch(/model: llama, 0\.03M parameters .* LoRA r=16/);
    expect(code).toBe(0);
    expect(readdirSync(join(out, 'adapter')).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
      'manifest.json', // written whole: staged, then renamed into place
    ]);
    expect(
      JSON.parse(readFileSync(join(out, 'adapter', 'adapter_config.json'), 'utf8')),
    ).toMatchObject({
      peft_type: 'LORA',
      r: 16,
      lora_alpha: 32,
      base_model_name_or_path: 'test/fixtures/hf/tiny-llama',
    });
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);

    const ev = capture();
    const evCode = await main(
      [
        'eval',
        '--model-dir',
        'test/fixtures/hf/tiny-llama',
        '--adapter',
        join(out, 'adapter'),
        '--set',
        'eval.size=2',
        '--set',
        'eval.samples=1',
        '--set',
        'eval.maxNewTokens=4',
      ],
      ev,
    );
    expect(ev.err).toMatch(/adapters from .*: r=16, alpha=32/);
    expect(evCode).toBe(0);
    expect(JSON.parse(ev.out)).toMatchObject({ questions: 2 });
  });

  it('names the problem when the folder is not a model folder', async () => {
    const io = capture();
    const code = await main(
      [
        'train',
        '--preset',
        'smollm2-135m-instruct',
        '--model-dir',
        join(out, 'adapter'),
        '--out',
        join(out, 'x'),
      ],
      io,
    );
    expect(code).toBe(1);
    expect(io.err).toMatch(/has no config\.json; a Hugging Face model folder needs/);
  });
});
