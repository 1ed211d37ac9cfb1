/**
 * What a newcomer meets: the page with no URL parameters on a CPU-only machine (WASM), Start,
 * and the first minute. The page opens on the CPU preset and says why; Start begins RL at once
 * from the shipped warm-up student (no warm-up steps); the charts move; the inspector shows a
 * guided trajectory with the teacher's tokens in its first steps.
 */
import { expect, test, waitForBackend } from './fixtures';
import { waitForStep } from './lab';

test('no URL parameters: Start trains RL at once and shows guided trajectories', async ({
  page,
  consoleErrors,
}) => {
  await page.goto('/');
  const backend = await waitForBackend(page);
  expect(backend).toBe('wasm'); // SwiftShader is a software adapter: auto picks WASM
  await expect(page.getByTestId('preset')).toHaveValue('cpu');
  await expect(page.getByTestId('preset-note')).toContainText('Opened on the cpu preset');
  await expect(page.getByTestId('student-init')).toHaveValue('cpu');
  // the picker shows each measured preset's expected time per RL step on this tab
  await expect(page.getByTestId('preset').locator('option[value="cpu"]')).toContainText('/step');
  expect(new URL(page.url()).search).toBe(''); // the default chose nothing in the link

  await page.getByTestId('start').click();
  await waitForStep(page, 2, 90_000);
  // no warm-up: the progress line never shows warm-up steps
  await expect(page.getByTestId('run-controls')).not.toContainText('warm-up 0 /');
  await expect
    .poll(async () => Number(await page.getByTestId('chart-reward').getAttribute('data-points')))
    .toBeGreaterThanOrEqual(2);

  // the inspector opens on a question the teacher guided, with its reason and phrase tokens
  const guided = page.locator('.rollout-guided').first();
  await expect(guided).toBeVisible({ timeout: 60_000 });
  await expect(guided.locator('[data-part="reason"]').first()).toBeVisible();
  await expect(guided.locator('[data-part="phrase"]').first()).toBeVisible();
  await expect(guided.locator('[data-offpolicy="true"]').first()).toBeVisible();
  // guidance fits the context: no "longer than the context" notes
  await expect(page.locator('body')).not.toContainText('longer than the context');
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-status')).toHaveText(/stopped|done/, { timeout: 60_000 });
  expect(consoleErrors).toEqual([]);
});

test('a run that would take over 30 minutes here asks first and offers the fast preset', async ({
  page,
  consoleErrors,
}) => {
  await page.goto('/');
  await waitForBackend(page);
  await page.getByTestId('preset').selectOption('lab');
  await expect(page.getByTestId('run-estimate')).toContainText('Expected: about');
  await page.getByTestId('start').click();
  const warning = page.getByTestId('long-run-warning');
  await expect(warning).toContainText('This run would take about');
  await expect(page.getByTestId('run-status')).toHaveText(/idle/i); // nothing started
  await page.getByTestId('switch-fast-preset').click();
  await expect(page.getByTestId('preset')).toHaveValue('cpu');
  await expect(warning).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});
