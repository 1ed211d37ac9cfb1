/** Helpers for the training-lab e2e tests: a tiny run through the URL, charts, the inspector. */
import { expect, type Page } from '@playwright/test';

/**
 * A run small enough for SwiftShader: a 1-layer d=16 student, 2 questions x 3 rollouts.
 * 20 warm-up steps at a high learning rate teach it to end answers with EOS inside 32 tokens,
 * so rollouts finish and the teacher (constant rate 0.5, never off) really guides some.
 */
export const TINY_SETTINGS = [
  'model.dModel=16',
  'model.layers=1',
  'model.heads=2',
  'model.context=256',
  // the shape these settings were tuned on (the tiny preset moved to RoPE + place-value steps)
  'model.positions="learned"',
  'data.workedDetail="plain"',
  'data.trainSize=50',
  'sft.steps=20',
  'sft.warmupSteps=0',
  'sft.lr=0.02',
  'rl.questionsPerStep=2',
  'rl.groupSize=3',
  'rl.maxNewTokens=32',
  'rl.steps=4',
  'rl.algo="thinktuning"',
  'thinktuning.schedule="constant"',
  'thinktuning.initialRate=0.5',
  'thinktuning.offThreshold=0',
];

/** The lab's URL for a tiny run on a backend, with extra `set=` assignments. */
export function tinyUrl(backend: string, extra: string[] = []): string {
  const params = new URLSearchParams({ backend, preset: 'tiny' });
  for (const s of [...TINY_SETTINGS, ...extra]) params.append('set', s);
  return `/?${params.toString()}`;
}

export const CHART_IDS = [
  'reward',
  'accuracy',
  'clip',
  'length',
  'kl',
  'entropy',
  'behavior',
  'guided',
  'throughput',
] as const;

/** The step counter's value. */
export async function stepCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('step').textContent());
}

/** Waits until the step counter reaches at least `n`. */
export async function waitForStep(page: Page, n: number, timeout: number): Promise<void> {
  await expect
    .poll(() => stepCount(page), { timeout, message: `step counter reaches ${n}` })
    .toBeGreaterThanOrEqual(n);
}

/** Registers a long-task observer before the page's scripts run; read with `longTasks`. */
export async function observeLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
}

export async function resetLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __longTasks: number[] }).__longTasks = [];
  });
}

export async function longTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
}

/**
 * Opens, in the inspector, the first kept step with a guided rollout and that rollout's question;
 * returns them (fails the test when no kept step has one).
 */
export async function openFirstGuidedGroup(page: Page): Promise<{ step: string; group: string }> {
  const stepSelect = page.getByTestId('inspect-step');
  const steps = (await stepSelect.locator('option').allTextContents()).filter((t) =>
    /^\d+$/.test(t),
  );
  let found: { step: string; group: string } | null = null;
  for (const step of steps) {
    await stepSelect.selectOption(step);
    await expect(page.getByTestId('inspected-step')).toHaveText(`step ${step}`);
    const guided = page.getByTestId('inspect-group').locator('option', { hasText: 'guided' });
    if ((await guided.count()) > 0) {
      found = { step, group: (await guided.first().getAttribute('value'))! };
      break;
    }
  }
  expect(found, 'a step with a guided rollout').not.toBeNull();
  await page.getByTestId('inspect-group').selectOption(found!.group);
  return found!;
}
