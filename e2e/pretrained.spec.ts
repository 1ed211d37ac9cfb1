import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, waitForBackend } from './fixtures';
import { stepCount, waitForStep } from './lab';

/** The committed tiny Qwen2 folder (two shards + index), as a user would pick its files. */
const DIR = 'test/fixtures/hf/tiny-qwen2';
const FILES = readdirSync(DIR)
  .filter((f) => !f.startsWith('expected'))
  .map((f) => join(DIR, f));

/** The pretrained preset, shrunk to one quick GRPO step; nothing is fetched from the network. */
function url(): string {
  const params = new URLSearchParams({ backend: 'wasm', preset: 'smollm2-135m-instruct' });
  for (const s of [
    'rl.steps=1',
    'rl.maxNewTokens=8',
    'rl.algo="grpo"',
    'data.trainSize=8',
    'student.loraRank=4',
  ])
    params.append('set', s);
  return `/?${params.toString()}`;
}

test.describe('pretrained student: a Hugging Face folder from the file picker', () => {
  test('shows the memory estimate, loads with progress, samples and trains one LoRA step', async ({
    page,
    consoleErrors,
  }) => {
    await page.goto(url());
    expect(await waitForBackend(page)).toBe('wasm');
    const panel = page.getByTestId('pretrained');
    await panel.getByTestId('pretrained-files').setInputFiles(FILES);
    const info = panel.getByTestId('pretrained-info');
    await expect(info).toContainText('qwen2, 2 × 32 (4 heads, 2 kv)');
    await expect(info).toContainText('26,912'); // parameters, from config.json alone
    await expect(panel.getByTestId('pretrained-memory')).toContainText('108 kB weights (float32)');
    await expect(info).toContainText('LoRA r=4');

    await panel.getByTestId('pretrained-load').click();
    const summary = page.getByTestId('model-summary');
    await expect(summary).toContainText('picked files');
    await expect(summary).toContainText('hf, 352 tokens');
    await expect(panel.getByTestId('pretrained-progress')).toHaveCount(0); // done

    await page.getByTestId('sample').click();
    await expect(page.getByTestId('completion').first()).toBeVisible();

    await page.getByTestId('start').click();
    await waitForStep(page, 1, 120_000);
    await expect(page.getByTestId('run-status')).toHaveText('done');
    expect(await stepCount(page)).toBe(1);
    await expect(summary).toContainText('run 1 on picked files');
    await page.screenshot({ path: 'test-results/pretrained-wasm.png', fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});
