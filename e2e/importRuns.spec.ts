/**
 * Big runs from other trainers in the inspector: a synthetic 100 000-rollout verl dump, a TRL
 * completions folder and a malformed dump open read-only from a folder; a saved run exports as a
 * verl job. Load time and JS heap are printed as figures (not asserted).
 */
import { mkdir } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  malformedVerlDump,
  syntheticTrlCompletions,
  syntheticVerlDump,
  writeFixture,
} from '../scripts/importFixtures';
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium.mjs';
import { readZip } from '../src/storage/zip';
import { expect, test, waitForBackend } from './fixtures';
import { tinyUrl, waitForStep } from './lab';

const DIR = path.resolve('out/e2e-import');
const VERL = path.join(DIR, 'verl-rollouts');
const TRL = path.join(DIR, 'trl-run');
const BAD = path.join(DIR, 'verl-malformed');
const SHOTS = path.resolve('out/screens');

// Precise heap figures (Chromium rounds performance.memory otherwise) and gc() before reading it.
test.use({
  launchOptions: {
    executablePath: findChromium() ?? undefined,
    args: [...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--expose-gc'],
  },
});

test.beforeAll(async () => {
  await writeFixture(VERL, syntheticVerlDump({ rollouts: 100_000 }));
  await writeFixture(path.join(TRL, 'completions'), syntheticTrlCompletions({ steps: 40 }));
  await writeFixture(BAD, malformedVerlDump());
  await mkdir(SHOTS, { recursive: true });
});

test('a 100 000-rollout verl dump opens in the inspector, virtualised', async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(240_000);
  await page.goto('/?backend=wasm');
  await waitForBackend(page);
  await page.getByTestId('open-run-folder').setInputFiles(VERL);
  const row = page.getByTestId('opened-run').filter({ hasText: 'verl-rollouts' });
  await expect(row).toHaveAttribute('data-rollouts', '100000', { timeout: 180_000 });
  const load = row.getByTestId('opened-run-load');
  console.log(
    `[figures] verl 100000 rollouts, 250 files (${(await row.getByTestId('opened-run-counts').textContent())?.replace(/\s+/g, ' ')}): ` +
      `read in ${await load.getAttribute('data-load-ms')} ms, JS heap +${await load.getAttribute('data-heap-mb')} MB`,
  );
  const inspector = page.getByTestId('imported-inspector');
  await expect(inspector).toBeVisible();
  await expect(page.getByTestId('fact-advantage')).toHaveAttribute('data-present', 'false');
  await expect(page.getByTestId('fact-per-token values')).toHaveAttribute('data-present', 'false');
  await expect(page.getByTestId('imported-facts')).toContainText('verl never writes them');
  const list = page.getByTestId('imported-groups');
  await expect(list).toHaveAttribute('data-count', '12500');
  // Only the rows in view are in the DOM.
  expect(await page.getByTestId('imported-group').count()).toBeLessThan(40);
  await expect(page.getByTestId('imported-rollout')).toHaveCount(8);
  await expect(page.getByTestId('imported-advantage').first()).toHaveText('A absent');
  await expect(page.getByTestId('imported-text').first()).toContainText('\\boxed{');
  await page.screenshot({ path: path.join(SHOTS, 'import-verl.png'), fullPage: false });

  // The last group, far down the list, and one step on its own.
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const last = page.locator('[data-testid="imported-group"][data-group="12499"]');
  await last.click();
  await expect(page.getByTestId('imported-question')).toContainText('step 250, Q50');
  await page.getByTestId('imported-step').selectOption('7');
  await expect(list).toHaveAttribute('data-count', '50');
  await expect(page.getByTestId('imported-question')).toContainText('step 7, Q1');
  await inspector.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'import-verl-inspector.png') });
  expect(consoleErrors).toEqual([]);
});

test('a TRL completions folder: advantages shown, rolling repeats skipped', async ({
  page,
  consoleErrors,
}) => {
  await page.goto('/?backend=wasm');
  await waitForBackend(page);
  await page.getByTestId('open-run-folder').setInputFiles(TRL);
  const row = page.getByTestId('opened-run').filter({ hasText: 'trl-run' });
  await expect(row).toHaveAttribute('data-format', 'trl');
  await expect(row).toHaveAttribute('data-rollouts', '1280'); // 40 steps x 32 new rows
  const load = row.getByTestId('opened-run-load');
  console.log(
    `[figures] TRL 40 files, 2560 rows, 1280 unique: read in ${await load.getAttribute('data-load-ms')} ms, JS heap +${await load.getAttribute('data-heap-mb')} MB`,
  );
  await expect(page.getByTestId('imported-summary')).toContainText('1,248 repeated rows skipped');
  await expect(page.getByTestId('fact-advantage')).toHaveAttribute('data-present', 'true');
  await expect(page.getByTestId('imported-rollout')).toHaveCount(8);
  await expect(page.getByTestId('imported-advantage').first()).toHaveText(/^A -?\d+\.\d{3}$/);
  await page.getByTestId('imported-inspector').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'import-trl.png') });
  expect(consoleErrors).toEqual([]);
});

test('a malformed dump names file and line, and the rest loads', async ({
  page,
  consoleErrors,
}) => {
  await page.goto('/?backend=wasm');
  await waitForBackend(page);
  await page.getByTestId('open-run-folder').setInputFiles(BAD);
  const row = page.getByTestId('opened-run').filter({ hasText: 'verl-malformed' });
  await expect(row).toHaveAttribute('data-rollouts', '37');
  await expect(row.getByTestId('opened-run-problems')).toHaveText('3 unreadable lines');
  const problems = page.getByTestId('imported-problem');
  await expect(problems).toHaveCount(3);
  await expect(problems.nth(0)).toHaveText(
    'verl-malformed/1.jsonl line 3: missing field "score" (a verl dump line has input, output, score, step)',
  );
  await expect(problems.nth(1)).toHaveText(
    'verl-malformed/1.jsonl line 5: "step" must be an integer (got "one")',
  );
  await expect(problems.nth(2)).toContainText('verl-malformed/2.jsonl line 20: invalid JSON');
  await expect(problems.nth(2)).toContainText('torn write?');
  await page.getByTestId('imported-inspector').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'import-malformed.png') });
  expect(consoleErrors).toEqual([]);
});

test('a saved run exports as a verl job', async ({ page, consoleErrors }) => {
  test.setTimeout(180_000);
  await page.goto(tinyUrl('wasm', ['rl.steps=2']));
  await waitForBackend(page);
  await page.getByTestId('start').click();
  await waitForStep(page, 2, 120_000);
  const row = page.getByTestId('saved-run');
  await expect(row).toHaveAttribute('data-status', 'finished', { timeout: 60_000 });
  const download = page.waitForEvent('download');
  await row.getByTestId('run-export-verl').click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(/-verl\.zip$/);
  const entries = readZip(new Uint8Array(await readFile(await d.path())));
  const names = entries.map((e) => e.name.replace(/^[^/]+\//, ''));
  for (const f of [
    'data/train.jsonl',
    'data/test.jsonl',
    'lab_reward.py',
    'run_grpo.sh',
    'run_thinktuning.sh',
    'MAPPING.md',
  ])
    expect(names).toContain(f);
  const text = (name: string) =>
    new TextDecoder().decode(entries.find((e) => e.name.endsWith(`/${name}`))!.data);
  expect(text('data/train.jsonl').trimEnd().split('\n')).toHaveLength(50); // data.trainSize=50
  expect(text('run_grpo.sh')).toContain('actor_rollout_ref.rollout.n=3');
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'export-verl-button.png') });
  expect(consoleErrors).toEqual([]);
});
