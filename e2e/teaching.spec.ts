/**
 * Issue 19 (parts 3-5): live alarms, rollout search and step-through mode, during a live run and
 * on the saved run after a reload, asserting on values from the run's own exports.
 */
import { readFile } from 'node:fs/promises';
import type { Download, Page } from '@playwright/test';
import { detectAlarms, type MetricsRow } from '../src/contract/alarms';
import type { Trajectory } from '../src/contract/loopRecords';
import { readZip } from '../src/storage/zip';
import { test, expect, waitForBackend } from './fixtures';
import { stepCount, tinyUrl, waitForStep } from './lab';
import { TEACHER_PORT } from '../playwright.config';

async function text(d: Promise<Download>): Promise<{ name: string; bytes: Buffer }> {
  const x = await d;
  return { name: x.suggestedFilename(), bytes: await readFile(await x.path()) };
}

/** The saved run's bundle: its metrics rows and kept trajectories. */
async function exportBundle(page: Page) {
  const d = page.waitForEvent('download');
  await page.getByTestId('saved-run').first().getByTestId('run-export').click();
  const entries = readZip(new Uint8Array((await text(d)).bytes));
  const file = (n: string) =>
    new TextDecoder()
      .decode(entries.find((e) => e.name === n)!.data)
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
  return {
    metrics: file('metrics.jsonl') as MetricsRow[],
    trajectories: file('trajectories.jsonl') as Trajectory[],
  };
}

/** The alarms the page lists, as [kind, from, to]. */
async function pageAlarms(page: Page): Promise<Array<[string, number, number]>> {
  const items = page.getByTestId('alarm');
  const out: Array<[string, number, number]> = [];
  for (let i = 0; i < (await items.count()); i++) {
    const a = items.nth(i);
    out.push([
      (await a.getAttribute('data-kind'))!,
      Number(await a.getAttribute('data-from')),
      Number(await a.getAttribute('data-to')),
    ]);
  }
  return out;
}

test('alarms name the steps that set them off, live and after a reload; links open the step', async ({
  page,
}) => {
  test.setTimeout(240_000);
  // Responses capped at 3 tokens never end: the truncated share is 1 on every step.
  await page.goto(tinyUrl('wasm', ['rl.steps=40', 'rl.maxNewTokens=3']));
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('start').click();
  const length = page.locator('[data-testid="alarm"][data-kind="length-limit"]');
  // During the run (paused after step 3 or later): the alarm covers the steps so far.
  await waitForStep(page, 3, 120_000);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: 60_000 });
  const held = await stepCount(page);
  await expect(length).toHaveAttribute('data-from', '1');
  await expect(length).toHaveAttribute('data-to', String(held));
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 60_000 });
  await expect(length).toHaveCount(1);
  await expect(length).toContainText('Responses at the length limit');
  await expect(length).toContainText('maxNewTokens');

  // The range is the one the exported metrics give: truncated share ≥ 0.5 for ≥ 3 steps.
  const { metrics } = await exportBundle(page);
  const hot = metrics.filter((m) => m['completions/clipped_ratio'] >= 0.5).map((m) => m.step);
  expect(hot).toEqual(Array.from({ length: held }, (_, i) => i + 1));
  await expect(length).toHaveAttribute('data-from', '1');
  await expect(length).toHaveAttribute('data-to', String(held));
  // Every alarm the page lists is the detectors' verdict on the exported rows.
  const expected = detectAlarms(metrics).map((a) => [a.kind, a.from, a.to]);
  expect(await pageAlarms(page)).toEqual(expected);

  // A step link opens that step in the inspector.
  await length.locator('[data-testid="alarm-step"][data-step="1"]').click();
  await expect(page.getByTestId('inspected-step')).toHaveText('step 1');

  // After a reload the saved run's rows give the same alarms; the link opens its saved step.
  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('charts-preview')).toBeVisible();
  await expect.poll(() => pageAlarms(page), { timeout: 30_000 }).toEqual(expected);
  await page.getByTestId('alarms').screenshot({ path: 'docs/screenshot-alarms.png' });
  await length.locator(`[data-testid="alarm-step"][data-step="${held}"]`).click();
  await expect(page.getByTestId('inspected-step')).toHaveText(`step ${held}`);
  await expect(page.getByTestId('rollout').first()).toBeVisible();

  // A threshold is a setting: above every share, the length alarm goes away (and stays so).
  await page.getByTestId('alarm-settings').locator('summary').click();
  await page.getByTestId('alarm-truncationShare').fill('1.5');
  await expect(length).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('alarm-truncationShare')).toHaveValue('1.5');
});

type Q = {
  correct?: boolean;
  guided?: boolean;
  truncated?: boolean;
  minReward?: number;
  text?: string;
};
const count = (ts: Trajectory[], q: Q) =>
  ts.filter(
    (t) =>
      (q.correct === undefined || t.correct === q.correct) &&
      (q.guided === undefined || t.guided === q.guided) &&
      (q.truncated === undefined || t.truncated === q.truncated) &&
      (q.minReward === undefined || t.reward >= q.minReward) &&
      (q.text === undefined || t.response.toLowerCase().includes(q.text)),
  ).length;

/** Sets the search form to `q` (unset fields: any) and returns the count the page shows. */
async function search(page: Page, q: Q): Promise<number> {
  const tri = (v: boolean | undefined) => (v === undefined ? 'any' : v ? 'yes' : 'no');
  await page.getByTestId('search-correct').selectOption(tri(q.correct));
  await page.getByTestId('search-guided').selectOption(tri(q.guided));
  await page.getByTestId('search-truncated').selectOption(tri(q.truncated));
  await page
    .getByTestId('search-min-reward')
    .fill(q.minReward === undefined ? '' : String(q.minReward));
  await page.getByTestId('search-text').fill(q.text ?? '');
  await page.waitForTimeout(600); // the form searches 200 ms after the last edit
  return Number(await page.getByTestId('search-count').textContent());
}

test('rollout search counts equal the exported trajectories, live and after a reload; hits open in the inspector', async ({
  page,
}) => {
  test.setTimeout(300_000);
  // 4 training questions, 2 a step: each comes back every other step (its history has columns).
  await page.goto(tinyUrl('wasm', ['rl.steps=40', 'data.trainSize=4']));
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('start').click();
  const box = page.getByTestId('rollout-search');
  // During the run (paused): every kept rollout so far, 2 questions × 3 rollouts a step.
  await waitForStep(page, 4, 120_000);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: 60_000 });
  const held = await stepCount(page);
  await expect(box.getByTestId('search-count')).toHaveText(String(6 * held));
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 60_000 });

  // Everything the worker keeps, as the inspector exports it.
  const d = page.waitForEvent('download');
  await page.getByTestId('export-all').click();
  const all = (await text(d)).bytes
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Trajectory);
  expect(all.length).toBe(held * 2 * 3);
  await expect(box.getByTestId('search-count')).toHaveText(String(all.length));
  const queries: Q[] = [
    { guided: true },
    { correct: false },
    { truncated: false, guided: false },
    { minReward: 0.5 },
    { text: '=' },
    { text: '1', correct: false },
  ];
  const live: number[] = [];
  for (const q of queries) {
    const n = await search(page, q);
    expect(n, JSON.stringify(q)).toBe(count(all, q));
    live.push(n);
  }
  expect(live[0]).toBeGreaterThan(0); // the teacher guided some (rate 0.5)

  // One question over the steps: a column per kept step that drew it.
  await search(page, { guided: true });
  const hit = box.getByTestId('search-hit').first();
  const step = await hit.getAttribute('data-step');
  const group = await hit.getAttribute('data-group');
  await hit.getByTestId('search-history').click();
  const itemId = all.find((t) => t.step === Number(step) && t.group === Number(group))!.itemId;
  const steps = [...new Set(all.filter((t) => t.itemId === itemId).map((t) => t.step))];
  expect(steps.length).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('history-col')).toHaveCount(steps.length);
  await page.waitForTimeout(600); // still the history after the form's own refresh
  await expect(page.getByTestId('history-col')).toHaveCount(steps.length);
  await expect(page.getByTestId('question-history')).toContainText(
    all.find((t) => t.itemId === itemId)!.question.slice(0, 20),
  );
  await box.screenshot({ path: 'docs/screenshot-search.png' });

  // A hit opens its step and question in the inspector.
  await box.getByRole('button', { name: 'back to results' }).click();
  await expect(box.getByTestId('search-count')).toHaveText(String(live[0]));
  await hit.getByTestId('search-open').click();
  await expect(page.getByTestId('inspected-step')).toHaveText(`step ${step}`);
  await expect(page.getByTestId('inspect-group')).toHaveValue(group!);
  await expect(page.locator('[data-testid="rollout"].rollout-guided').first()).toBeVisible();

  // After a reload the saved run is searched: the same counts; hits open its saved steps.
  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('search-source')).toHaveValue(/.+/);
  await expect(box.getByTestId('search-count')).toHaveText(String(all.length), { timeout: 30_000 });
  for (const [i, q] of queries.entries())
    expect(await search(page, q), JSON.stringify(q)).toBe(live[i]);
  await search(page, { correct: false });
  const saved = box.getByTestId('search-hit').last();
  const savedStep = await saved.getAttribute('data-step');
  await saved.getByTestId('search-open').click();
  await expect(page.getByTestId('inspected-step')).toHaveText(`step ${savedStep}`);
});

test('a failing teacher raises the teacher alarm over exactly the steps whose calls failed', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const teacher = `http://127.0.0.1:${TEACHER_PORT}`;
  const res = await page.request.post(`${teacher}/__control/mode`, { data: { mode: 'error500' } });
  expect(res.ok()).toBe(true);
  await page.goto(
    tinyUrl('wasm', [
      'rl.steps=4',
      'teacher.kind="http"',
      `teacher.baseURL="${teacher}/v1"`,
      'teacher.model="test-teacher"',
      'teacher.retries=0',
    ]),
  );
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 180_000 });
  const { metrics } = await exportBundle(page);
  // Maximal runs of steps with at least one failed call (the default threshold, 1).
  const failing = metrics.map((m) => m['thinktuning/teacher_failures'] >= 1);
  const runs: Array<[string, number, number]> = [];
  failing.forEach((f, i) => {
    if (!f) return;
    const last = runs.at(-1);
    if (last && last[2] === metrics[i].step - 1) last[2] = metrics[i].step;
    else runs.push(['teacher-failing', metrics[i].step, metrics[i].step]);
  });
  expect(runs.length).toBeGreaterThan(0);
  const shown = (await pageAlarms(page)).filter((a) => a[0] === 'teacher-failing');
  expect(shown).toEqual(runs);
  await expect(page.locator('[data-kind="teacher-failing"]').first()).toContainText(
    'Teacher calls failed',
  );
});

/** Clicks "next stage" until `stage` shows (checking the order), returning its element. */
async function walkTo(page: Page, stage: string, order: string[]): Promise<void> {
  const el = page.getByTestId('stage');
  for (;;) {
    await expect(page.getByTestId('stage-next')).toBeEnabled({ timeout: 120_000 });
    const now = (await el.getAttribute('data-stage'))!;
    if (order.at(-1) !== now) order.push(now);
    if (now === stage) return;
    await page.getByTestId('stage-next').click();
    await expect(el).not.toHaveAttribute('data-stage', now, { timeout: 120_000 });
  }
}

test('step-through on the default CPU preset: eight stages, their numbers equal the step’s export; continues after a reload', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto('/');
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('preset')).toHaveValue('cpu');
  await page.getByTestId('stage-step').click();
  await expect(page.getByTestId('stage-mode')).toBeChecked();
  await expect(page.getByTestId('stage')).toHaveAttribute('data-stage', 'sample', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('stage')).toHaveAttribute('data-step', '1');
  const order: string[] = [];
  await walkTo(page, 'advantages', order);
  expect(order).toEqual(['sample', 'reward', 'select', 'teacher', 'guided', 'advantages']);
  // The advantage stage's rewards and advantages, by rollout.
  const rows = page.getByTestId('stage-rollout');
  const shown = new Map<string, { reward: number; adv: number }>();
  for (let i = 0; i < (await rows.count()); i++) {
    const r = rows.nth(i);
    const key = `${await r.getAttribute('data-group')}/${await r.getAttribute('data-r')}`;
    shown.set(key, {
      reward: Number(await r.getAttribute('data-reward')),
      adv: Number(await r.getAttribute('data-adv')),
    });
  }
  await page.getByTestId('stage-panel').screenshot({ path: 'docs/screenshot-stages.png' });
  await walkTo(page, 'update', order);
  expect(order.slice(6)).toEqual(['loss', 'update']);
  await page.getByTestId('stage-next').click();
  // The step ends and the run waits (step once); its export holds the numbers the stages showed.
  await expect(page.getByTestId('step')).toHaveText('1', { timeout: 60_000 });
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: 60_000 });
  const d = page.waitForEvent('download');
  await page.getByTestId('export-step').click();
  const exported = (await text(d)).bytes
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Trajectory);
  expect(exported.length).toBe(shown.size);
  for (const t of exported) {
    const s = shown.get(`${t.group}/${t.index}`)!;
    expect(s.reward).toBeCloseTo(t.reward, 9);
    expect(s.adv).toBeCloseTo(t.advantage, 9);
  }

  // After a reload, step-through continues the saved run from its checkpoint (step 1).
  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('saved-run').first()).toHaveAttribute('data-checkpoint', '1');
  await page.getByTestId('stage-step').click();
  await expect(page.getByTestId('stage')).toHaveAttribute('data-step', '2', { timeout: 180_000 });
  await expect(page.getByTestId('stage')).toHaveAttribute('data-stage', 'sample');
  await page.getByTestId('stage-next').click();
  await expect(page.getByTestId('stage')).toHaveAttribute('data-stage', 'reward', {
    timeout: 60_000,
  });
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 60_000 });
});
