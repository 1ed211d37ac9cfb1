/**
 * Formula explainer (issue 19, part 1): clicking a token shows its loss term, and the numbers it
 * shows are the exported per-token record's (the step's JSONL), for a teacher and a student token.
 */
import { readFile } from 'node:fs/promises';
import type { Trajectory } from '../src/contract/loopRecords';
import { test, expect, waitForBackend } from './fixtures';
import { openFirstGuidedGroup, stepCount, tinyUrl, waitForStep } from './lab';

test('the explainer shows the exported ratio, weight and gradient of a clicked token', async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(240_000);
  await page.goto(tinyUrl('wasm'));
  await waitForBackend(page);
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 180_000 });
  const found = await openFirstGuidedGroup(page);
  const inspector = page.getByTestId('inspector');

  const downloadP = page.waitForEvent('download');
  await page.getByTestId('export-step').click();
  const text = await readFile((await (await downloadP).path())!, 'utf8');
  const exported = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Trajectory)
    .filter((t) => t.group === Number(found.group));

  const teacherTok = inspector.locator('[data-testid="token"][data-part="phrase"]').first();
  const studentTok = inspector.locator('[data-testid="token"][data-part="student"]').first();
  for (const tok of [teacherTok, studentTok]) {
    const r = Number(await tok.getAttribute('data-r'));
    const i = Number(await tok.getAttribute('data-i'));
    await tok.click();
    const ex = page.getByTestId('token-explainer');
    await expect(ex).toBeVisible();
    const record = exported.find((t) => t.index === r)!.tokens[i];
    const value = async (id: string) => Number(await ex.getByTestId(id).getAttribute('data-value'));
    // The explainer's numbers are the exported record's, exactly.
    expect(await value('explainer-ratio')).toBe(record.ratio);
    expect(await value('explainer-weight')).toBe(record.weight);
    expect(await value('explainer-advantage')).toBe(record.advantage);
    expect(await value('explainer-grad')).toBe(record.explain!.gradLogp);
    expect(await ex.getByTestId('explainer-branch').getAttribute('data-value')).toBe(
      record.explain!.branch,
    );
    // and they agree with the formulas: dL/dlogp = -A * w * aggWeight (no KL, no entropy)
    expect(record.explain!.gradLogp).toBeCloseTo(
      -record.advantage * record.weight * record.explain!.aggWeight,
      5,
    );
    if (tok === teacherTok) {
      expect(['shaped', 'dropped', 'routed-to-ppo']).toContain(record.explain!.branch);
      if (record.explain!.branch === 'shaped') {
        expect(await value('explainer-p')).toBe(record.explain!.prob);
        expect(await value('explainer-gamma')).toBe(record.explain!.gamma);
      }
      await ex.scrollIntoViewIfNeeded();
      await inspector.screenshot({ path: 'docs/screenshot-explainer.png' });
    } else {
      await ex.screenshot({ path: 'test-results/explainer-student.png' });
      expect(record.explain!.branch).toBe('ppo');
      expect(await ex.getByTestId('explainer-case').getAttribute('data-value')).toBe(
        record.explain!.ppoCase,
      );
    }
  }
  expect(consoleErrors).toEqual([]);
});

test('a saved run explains its kept steps after a reload; replay refuses the old steps by name and replays a new one', async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(240_000);
  await page.goto(tinyUrl('wasm', ['rl.steps=60', 'rl.checkpointEvery=2']));
  await waitForBackend(page);
  await page.getByTestId('start').click();
  const row = page.getByTestId('saved-run');
  await waitForStep(page, 3, 120_000);
  await expect
    .poll(async () => Number(await row.getAttribute('data-checkpoint')), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(2);
  await page.reload();
  await waitForBackend(page);
  await expect(row).toHaveAttribute('data-status', 'interrupted');
  await row.getByTestId('run-resume').click();
  await expect(page.getByTestId('run-status')).toHaveText(/running/);
  await page.getByTestId('pause').click();
  // Step 1 was trained before the reload: its records come from the saved run.
  await page.getByTestId('inspect-step').selectOption('1');
  await expect(page.getByTestId('inspected-step')).toHaveText('step 1');
  const inspector = page.getByTestId('inspector');
  const tok = inspector.locator('[data-testid="token"][data-part="student"]').first();
  await tok.click();
  const ex = page.getByTestId('token-explainer');
  await expect(ex.getByTestId('explainer-branch')).toHaveAttribute(
    'data-value',
    /^(ppo|not-in-loss)$/,
  );
  expect(
    Number(await ex.getByTestId('explainer-ratio').getAttribute('data-value')),
  ).toBeGreaterThan(0);
  const cf = page.getByTestId('counterfactual');
  await cf.getByTestId('cf-open').click();
  await cf.getByTestId('cf-run').click();
  await expect(cf.getByTestId('cf-error')).toContainText('pre-update weights');
  // A step trained since the resume has its weights kept: it replays.
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: 60_000 });
  const latest = await stepCount(page);
  await page.getByTestId('inspect-step').selectOption(String(latest));
  await expect(page.getByTestId('inspected-step')).toHaveText(`step ${latest}`);
  await cf.getByTestId('cf-reward-0').fill('1');
  await cf.getByTestId('cf-run').click();
  await expect(cf.getByTestId('cf-result')).toBeVisible({ timeout: 30_000 });
  await expect(cf.getByTestId('cf-reward-new-0')).toHaveAttribute('data-value', '1');
  await page.getByTestId('stop').click();
  expect(consoleErrors).toEqual([]);
});
