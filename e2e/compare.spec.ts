/**
 * The compare view: run the paper's comparison with tiny budgets in the worker (wasm), then the
 * table has five rows and the charts overlay the GRPO and ThinkTuning arms (the default pairing);
 * adding a third run adds a third line.
 */
import { test, expect, waitForBackend } from './fixtures';
import { tinyUrl } from './lab';

/** Tiny budgets: 3 RL steps per arm, 8 held-out questions. */
const COMPARE_SETTINGS = ['rl.steps=3', 'data.evalSize=8', 'eval.size=8', 'eval.maxNewTokens=32'];

/** recharts line paths inside one overlay chart. */
const lines = (page: import('@playwright/test').Page, id: string) =>
  page.getByTestId(`compare-chart-${id}`).locator('path.recharts-line-curve');

test('compare: the comparison fills the table and the view overlays GRPO and ThinkTuning', async ({
  page,
  consoleErrors,
}) => {
  await page.goto(tinyUrl('wasm', COMPARE_SETTINGS));
  expect(await waitForBackend(page)).toBe('wasm');
  const view = page.getByTestId('compare-view');
  await expect(view.getByTestId('compare-status')).toHaveText('idle');
  await view.getByTestId('compare-start').click();
  await expect(view.getByTestId('compare-status')).toHaveText('running');
  await expect(view.getByTestId('compare-status')).toHaveText('done', { timeout: 90_000 });

  const rows = view.getByTestId('results-row');
  await expect(rows).toHaveCount(5);
  await expect(rows.locator('td:first-child')).toHaveText([
    'Zero-shot (warm-up)',
    'SFT',
    'STaR',
    'GRPO',
    'ThinkTuning',
  ]);
  for (const text of await rows.locator('td').allTextContents())
    expect(text, 'every cell is a number, a percentage or a name').not.toMatch(/NaN|undefined/);

  // The default pairing: the comparison's GRPO and ThinkTuning arms, one colour each.
  const legend = view.getByTestId('compare-legend-item');
  await expect(legend).toHaveCount(2);
  await expect(legend.nth(0)).toContainText('GRPO');
  await expect(legend.nth(1)).toContainText('ThinkTuning');
  for (const id of ['reward', 'accuracy', 'clip', 'length', 'reflection']) {
    await expect(view.getByTestId(`compare-chart-${id}`)).toHaveAttribute('data-series', '2');
    await expect(lines(page, id)).toHaveCount(2);
  }
  const colours = await lines(page, 'reward').evaluateAll((ps) =>
    ps.map((p) => p.getAttribute('stroke')),
  );
  expect(new Set(colours).size).toBe(2);

  // A third run (STaR reports accuracy and length per iteration) adds a third line there.
  await view.getByTestId('compare-run').filter({ hasText: 'STaR' }).locator('input').check();
  await expect(legend).toHaveCount(3);
  await expect(lines(page, 'accuracy')).toHaveCount(3);
  await expect(lines(page, 'reward')).toHaveCount(2); // STaR has no reward: no line, no gap
  await expect(view.getByTestId('selected-table').locator('tbody tr')).toHaveCount(3);

  await view.screenshot({ path: 'test-results/compare.png' });
  expect(consoleErrors).toEqual([]);
});
