/**
 * Counterfactual replay (issue 19, part 2): removing the guidance of a kept step's guided
 * rollouts changes the group's advantages as the formula says, A_i = (r_i - mean) / (std + eps)
 * (rl.advantage "group-std", unbiased std), and the original column is the exported step's.
 */
import { readFile } from 'node:fs/promises';
import type { Trajectory } from '../src/contract/loopRecords';
import { test, expect, waitForBackend } from './fixtures';
import { openFirstGuidedGroup, tinyUrl } from './lab';

test('a counterfactual without the guidance recomputes the advantages by the formula', async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(240_000);
  await page.goto(tinyUrl('wasm'));
  await waitForBackend(page);
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 180_000 });
  const found = await openFirstGuidedGroup(page);

  const downloadP = page.waitForEvent('download');
  await page.getByTestId('export-step').click();
  const text = await readFile((await (await downloadP).path())!, 'utf8');
  const group = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Trajectory)
    .filter((t) => t.group === Number(found.group))
    .sort((a, b) => a.index - b.index);
  const guided = group.filter((t) => t.guided);
  expect(guided.length).toBeGreaterThan(0);

  const cf = page.getByTestId('counterfactual');
  await cf.getByTestId('cf-open').click();
  for (const t of guided) await cf.getByTestId(`cf-guided-${t.index}`).uncheck();
  await cf.getByTestId('cf-run').click();
  await expect(cf.getByTestId('cf-result')).toBeVisible({ timeout: 30_000 });
  const value = async (id: string) => Number(await cf.getByTestId(id).getAttribute('data-value'));

  // Original column: the exported step's advantages, exactly.
  for (const t of group) expect(await value(`cf-adv-orig-${t.index}`)).toBe(t.advantage);
  /** New rewards as shown; checks the group's numbers against A_i = (r_i - mean)/(std + eps). */
  const checkFormula = async (expectedReward: (t: Trajectory) => number) => {
    const rewards: number[] = [];
    for (const t of group) {
      const r = await value(`cf-reward-new-${t.index}`);
      expect(r).toBe(expectedReward(t));
      rewards.push(r);
    }
    // A_i = (r_i - mean) / (std + 1e-6), std unbiased; all-equal rewards give A = 0.
    const n = rewards.length;
    const mean = rewards.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1));
    const flat = rewards.every((r) => r === rewards[0]);
    expect(await value('cf-mean-cf')).toBeCloseTo(mean, 12);
    expect(await value('cf-std-cf')).toBeCloseTo(std, 12);
    for (const [i, t] of group.entries()) {
      const expected = flat ? 0 : (rewards[i] - mean) / (std + 1e-6);
      expect(await value(`cf-adv-new-${t.index}`)).toBeCloseTo(expected, 9);
    }
    return flat;
  };
  // Without guidance a guided rollout gets its student's own response's reward (as recorded).
  const own = (t: Trajectory) => (t.guided ? t.ownReward! : t.reward);
  await checkFormula(own);
  // And with one reward overridden to 0.75 the group has spread whatever the rewards were.
  const last = group[group.length - 1].index;
  await cf.getByTestId(`cf-reward-${last}`).fill('0.75');
  await cf.getByTestId('cf-run').click();
  await expect(cf.getByTestId(`cf-reward-new-${last}`)).toHaveAttribute('data-value', '0.75');
  expect(await checkFormula((t) => (t.index === last ? 0.75 : own(t)))).toBe(false);
  await cf.scrollIntoViewIfNeeded();
  await cf.screenshot({ path: 'docs/screenshot-counterfactual.png' });
  // the run is unchanged: the inspector still shows the guided rollout
  await expect(page.locator('.rollout-guided').first()).toBeVisible();
  expect(consoleErrors).toEqual([]);
});
