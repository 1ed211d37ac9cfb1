import { readFile } from 'node:fs/promises';
import type { Trajectory } from '../src/contract/loopRecords';
import { test, expect, waitForBackend } from './fixtures';
import {
  CHART_IDS,
  longTasks,
  observeLongTasks,
  openFirstGuidedGroup,
  resetLongTasks,
  stepCount,
  tinyUrl,
  waitForStep,
} from './lab';

/** Counter stays put while paused: checked over this long (a negative check needs a wait). */
const PAUSE_HOLD_MS = 2_500;

async function pauseResume(page: import('@playwright/test').Page, stepTimeout: number) {
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  // The step in flight finishes, then the worker waits between steps.
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: stepTimeout });
  const held = await stepCount(page);
  await page.waitForTimeout(PAUSE_HOLD_MS);
  expect(await stepCount(page)).toBe(held);
  await expect(page.getByTestId('resume')).toBeEnabled();
  await page.getByTestId('resume').click();
  await expect(page.getByTestId('run-status')).not.toHaveText('paused');
  await waitForStep(page, held + 1, stepTimeout);
}

test.describe('training lab: a tiny ThinkTuning run', () => {
  test('wasm: steps advance, every chart gains points, pause holds, resume continues, the page stays responsive', async ({
    page,
    consoleErrors,
  }) => {
    await observeLongTasks(page);
    // Enough steps that pausing lands mid-run (a tiny wasm step takes a fraction of a second).
    await page.goto(tinyUrl('wasm', ['rl.steps=200']));
    expect(await waitForBackend(page)).toBe('wasm');
    await expect(page.getByTestId('algo')).toHaveValue('thinktuning');
    await resetLongTasks(page);
    await page.getByTestId('start').click();
    await expect(page.getByTestId('run-status')).toHaveText(/running/);
    await waitForStep(page, 1, 60_000);
    await pauseResume(page, 60_000);
    await waitForStep(page, 6, 60_000);
    await page.getByTestId('stop').click();
    await expect(page.getByTestId('run-status')).toHaveText('stopped');
    const steps = await stepCount(page);
    expect(steps).toBeGreaterThanOrEqual(6);
    expect(steps).toBeLessThan(200);
    // Charts redraw at most about once a second: wait for the last points.
    for (const id of CHART_IDS)
      await expect(page.getByTestId(`chart-${id}`)).toHaveAttribute('data-points', String(steps));
    // Responsiveness guard, not a speed target: training on the main thread would block it for
    // seconds. The longest task is reported (~100-200 ms on an idle 2-core machine); the bound
    // is loose so that a loaded machine does not fail it.
    const tasks = await longTasks(page);
    test
      .info()
      .annotations.push({ type: 'longest task (ms)', description: String(Math.max(0, ...tasks)) });
    expect(Math.max(0, ...tasks), `long tasks: ${tasks.join(', ')}`).toBeLessThan(1000);
    await expect(page.getByTestId('inspector').getByTestId('token').first()).toBeVisible();
    await page.screenshot({ path: 'test-results/lab-wasm.png', fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  test('webgpu: a tiny run trains on WebGPU (SwiftShader); pause and resume work', async ({
    page,
    consoleErrors,
  }) => {
    test.setTimeout(600_000);
    await page.goto(tinyUrl('webgpu', ['rl.steps=3']));
    expect(await waitForBackend(page)).toBe('webgpu');
    await page.getByTestId('start').click();
    await waitForStep(page, 1, 300_000);
    await pauseResume(page, 180_000);
    await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 300_000 });
    for (const id of CHART_IDS)
      await expect(page.getByTestId(`chart-${id}`)).toHaveAttribute('data-points', '3');
    await page.screenshot({ path: 'test-results/lab-webgpu.png', fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  test("the inspector's advantages equal the exported trajectories; guided tokens are off-policy", async ({
    page,
    consoleErrors,
  }) => {
    await page.goto(tinyUrl('wasm'));
    await waitForBackend(page);
    await page.getByTestId('start').click();
    await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
    // Find a kept step with a guided group (the teacher guides about half the finished rollouts).
    const stepSelect = page.getByTestId('inspect-step');
    const steps = (await stepSelect.locator('option').allTextContents()).filter((t) =>
      /^\d+$/.test(t),
    );
    expect(steps.length).toBe(4);
    const found = await openFirstGuidedGroup(page);
    const inspector = page.getByTestId('inspector');
    await expect(
      inspector.locator('[data-testid="token"][data-offpolicy="true"]').first(),
    ).toBeVisible();
    // Teacher tokens are labelled by part.
    await expect(
      inspector.locator('[data-testid="token"][data-part="reason"]').first(),
    ).toBeVisible();
    await expect(
      inspector.locator('[data-testid="token"][data-part="phrase"]').first(),
    ).toBeVisible();

    const rollouts = inspector.getByTestId('rollout');
    const shown: string[][] = [];
    for (let r = 0; r < (await rollouts.count()); r++)
      shown.push(
        await rollouts
          .nth(r)
          .getByTestId('token')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-adv')!)),
      );
    const offShown = await rollouts.evaluateAll((els) =>
      els.map((el) =>
        Array.from(el.querySelectorAll('[data-testid="token"]')).map(
          (t) => t.getAttribute('data-offpolicy') === 'true',
        ),
      ),
    );

    const downloadP = page.waitForEvent('download');
    await page.getByTestId('export-step').click();
    const download = await downloadP;
    expect(download.suggestedFilename()).toMatch(new RegExp(`step${found.step}\\.jsonl$`));
    const text = await readFile((await download.path())!, 'utf8');
    const exported = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Trajectory);
    // One numbering: the file of step N holds "step": N, as the page and metrics.jsonl count.
    expect(exported.every((t) => t.step === Number(found.step))).toBe(true);
    const group = exported
      .filter((t) => t.group === Number(found.group))
      .sort((a, b) => a.index - b.index);
    expect(group.length).toBe(shown.length);
    group.forEach((t, r) => {
      expect(shown[r].map(Number)).toEqual(t.tokens.map((k) => k.advantage));
      expect(offShown[r]).toEqual(t.tokens.map((k) => k.offPolicy));
    });
    expect(group.some((t) => t.guided && t.tokens.some((k) => k.offPolicy))).toBe(true);

    await inspector.screenshot({ path: 'test-results/lab-inspector-panel.png' });

    // Hover shows the token's numbers.
    await inspector.locator('[data-testid="token"][data-offpolicy="true"]').first().hover();
    await expect(page.getByTestId('token-card')).toContainText('advantage');
    await expect(page.getByTestId('token-card')).toContainText('off-policy');
    for (const id of CHART_IDS)
      await expect(page.getByTestId(`chart-${id}`)).toHaveAttribute('data-points', '4');
    await page.screenshot({ path: 'test-results/lab-inspector.png', fullPage: true });

    // Hovering a chart shows the step's values; clicking opens that step in the inspector.
    const surface = page.getByTestId('chart-reward').locator('svg.recharts-surface');
    await surface.scrollIntoViewIfNeeded();
    const box = (await surface.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.97, box.y + box.height / 2);
    await expect(page.getByTestId('chart-reward')).toContainText('step 4 · click to inspect');
    await page.mouse.click(box.x + box.width * 0.97, box.y + box.height / 2);
    await expect(page.getByTestId('inspect-step')).toHaveValue('4');
    await expect(page.getByTestId('inspected-step')).toHaveText('step 4');
    expect(consoleErrors).toEqual([]);
  });

  test('a failing teacher endpoint shows a readable message and the run continues', async ({
    page,
    consoleErrors,
  }) => {
    await page.goto(
      tinyUrl('wasm', [
        'teacher.kind="http"',
        `teacher.baseURL="http://127.0.0.1:${process.env.E2E_TEACHER_PORT ?? 8787}/v1"`,
        'teacher.model="test-teacher"',
        'teacher.retries=0',
      ]),
    );
    await waitForBackend(page);
    await expect(page.getByTestId('teacher-http')).toBeChecked();
    await page.getByTestId('test-connection').click();
    await expect(page.getByTestId('connection-report')).toContainText(/request failed/i);
    await expect(page.getByTestId('connection-report')).toContainText(/500/);
    await page.getByTestId('start').click();
    // Each failure is a note in words; after teacher.circuitFailures in a row the circuit opens
    // and a note says so (notes are newest first, so look for each among them).
    const serverError = page.getByTestId('run-note').filter({ hasText: /Teacher server error/ });
    await expect(serverError.first()).toBeVisible({ timeout: 120_000 });
    await expect(serverError.first()).toContainText(/training goes on/);
    await expect(page.getByTestId('teacher-failures')).toContainText(/server error × \d+/);
    await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
    expect(await stepCount(page)).toBe(4);
    await page.screenshot({ path: 'test-results/lab-teacher-failure.png' });
    // The browser logs each HTTP 500 as a failed resource load; nothing else may be logged.
    expect(consoleErrors.filter((e) => !/status of 500/.test(e))).toEqual([]);
  });
});
