/** Saved runs: a run survives a reload and resumes; export, delete and import give an equal run. */
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { readZip } from '../src/storage/zip';
import { test, expect, waitForBackend } from './fixtures';
import { CHART_IDS, stepCount, tinyUrl, waitForStep } from './lab';

const num = async (row: Locator, attr: string) => Number((await row.getAttribute(attr)) ?? NaN);

/** Pauses the run and waits until it waits between steps; returns the step it holds. */
async function pauseAndHold(page: Page): Promise<number> {
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: 60_000 });
  return stepCount(page);
}

/** Every chart shows exactly `n` points (charts redraw about once a second). */
async function expectChartPoints(page: Page, n: number): Promise<void> {
  for (const id of CHART_IDS)
    await expect(page.getByTestId(`chart-${id}`)).toHaveAttribute('data-points', String(n));
}

/** Clicks Export on the row and returns the downloaded bundle's bytes and path. */
async function exportRow(page: Page, row: Locator): Promise<{ path: string; bytes: Uint8Array }> {
  const download = page.waitForEvent('download');
  await row.getByTestId('run-export').click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(/\.zip$/);
  const path = await d.path();
  return { path, bytes: new Uint8Array(await readFile(path)) };
}

test('a run survives a reload and resumes; export, delete and import give an equal run', async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(150_000);
  await page.goto(tinyUrl('wasm', ['rl.steps=60', 'rl.checkpointEvery=2']));
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('start').click();
  const row = page.getByTestId('saved-run');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'running');
  // Named for what sets it apart: preset, algorithm, seed, changed settings, start time.
  await expect(row.getByTestId('run-name')).toHaveText(
    /^tiny · ThinkTuning · seed 1 · .+ · \d\d:\d\d$/,
  );
  // A few steps and a checkpoint past the warm-up one (step 0), then the tab is reloaded.
  await waitForStep(page, 5, 60_000);
  await expect
    .poll(() => num(row, 'data-checkpoint'), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(4);
  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');

  // The run list shows it interrupted at its last checkpoint.
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'interrupted');
  const k = await num(row, 'data-checkpoint');
  expect(k).toBeGreaterThanOrEqual(4);
  expect(k % 2).toBe(0);
  expect(await num(row, 'data-step')).toBeGreaterThanOrEqual(k);
  await expect(row.getByTestId('saved-run-status')).toHaveText('interrupted');
  // Chromium has OPFS: checkpoint files go there (IndexedDB holds records and rows).
  await expect(page.getByTestId('storage')).toContainText(/Storage: .* checkpoint files in OPFS/);
  // The charts show the saved metrics at once, before any Resume.
  await expect(page.getByTestId('charts-preview')).toContainText('interrupted');
  await expectChartPoints(page, await num(row, 'data-step'));

  // Resume from the run controls (they offer the interrupted run): the step counter continues
  // from the checkpoint and the charts keep the early points.
  const controlsResume = page.getByTestId('run-controls').getByTestId('resume');
  await expect(controlsResume).toBeEnabled();
  await controlsResume.click();
  await expect(page.getByTestId('run-status')).toHaveText(/running/);
  expect(await stepCount(page)).toBeGreaterThanOrEqual(k);
  await waitForStep(page, k + 2, 60_000);
  const s = await pauseAndHold(page);
  expect(s).toBeGreaterThanOrEqual(k + 2);
  await expectChartPoints(page, s);
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-status')).toHaveText('stopped');
  await expect(row).toHaveAttribute('data-status', 'stopped');
  await expect(row).toHaveAttribute('data-checkpoint', String(s));

  // Rename in place, then export: the bundle holds every step's metrics and the checkpoint.
  await row.getByTestId('run-name').click();
  await row.getByTestId('run-name-input').fill('survivor');
  await row.getByTestId('run-name-input').press('Enter');
  await expect(row.getByTestId('run-name')).toHaveText('survivor');
  // The compare picker names it as the run list does.
  await expect(page.getByTestId('compare-run').filter({ hasText: 'survivor' })).toHaveCount(1);
  const first = await exportRow(page, row);
  const entries = readZip(first.bytes);
  const metrics = new TextDecoder()
    .decode(entries.find((e) => e.name === 'metrics.jsonl')!.data)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number });
  expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: s }, (_, i) => i + 1));
  expect(entries.map((e) => e.name)).toContain('checkpoint/trainer_state.safetensors');

  // Delete (confirmed), then import the file: the same run comes back.
  page.once('dialog', (d) => void d.accept());
  await row.getByTestId('run-delete').click();
  await expect(row).toHaveCount(0);
  await page.getByTestId('run-import-file').setInputFiles(first.path);
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'stopped');
  await expect(row).toHaveAttribute('data-step', String(s));
  await expect(row).toHaveAttribute('data-checkpoint', String(s));
  await expect(row.getByTestId('run-name')).toHaveText('survivor');
  const again = readZip((await exportRow(page, row)).bytes);
  expect(again.map((e) => e.name)).toEqual(entries.map((e) => e.name));
  for (const e of again)
    if (e.name !== 'run.json')
      expect(e.data, e.name).toEqual(entries.find((x) => x.name === e.name)!.data);

  // The imported run resumes too, with its whole history on the charts.
  await row.getByTestId('run-resume').click();
  await waitForStep(page, s + 1, 60_000);
  const t = await pauseAndHold(page);
  await expectChartPoints(page, t);
  await page.getByTestId('run-list').screenshot({ path: 'test-results/runs.png' });
  expect(consoleErrors).toEqual([]);
});
