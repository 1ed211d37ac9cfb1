/**
 * The lab on a phone, a laptop and a projector (issue 20): no sideways scrolling, the run
 * controls in one row and on screen, rollouts wide enough to read; controls that say at once
 * what they do; projector mode and the colour-blind-safe palette; the keyboard; the Model panel
 * before Start. Screenshots land in test-results/layout-*.png.
 */
import type { Page } from '@playwright/test';
import { buildTokenizer, loadItems } from '../src/engine/eval/sources';
import { presetConfig } from '../src/contract/presets';
import { plannedStudent } from '../src/state/plannedStudent';
import { test, expect, waitForBackend } from './fixtures';
import { stepCount, tinyUrl, waitForStep } from './lab';

const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'projector', width: 1920, height: 1080 },
] as const;

/** Fewest characters a rollout's text column must hold. */
const MIN_ROLLOUT_CHARS = 30;

/** Starts a tiny run that keeps going, and waits until the inspector has rollouts. */
async function runningLab(page: Page, extra: string[] = []): Promise<void> {
  await page.goto(tinyUrl('wasm', ['rl.steps=300', ...extra]));
  expect(await waitForBackend(page)).toBe('wasm');
  await page.getByTestId('start').click();
  await waitForStep(page, 2, 90_000);
  await expect(page.getByTestId('rollout').first()).toBeVisible();
}

/** Pauses the run and waits until it waits between steps (the inspector stops re-rendering). */
async function pauseBetweenSteps(page: Page): Promise<void> {
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: 60_000 });
}

/** Characters of the rollouts' monospace font that fit across each rollout's text. */
async function rolloutChars(page: Page): Promise<number[]> {
  return page.getByTestId('rollout').evaluateAll((els) =>
    els.map((el) => {
      const tokens = el.querySelector('.tokens') as HTMLElement;
      const probe = document.createElement('span');
      probe.textContent = '0'.repeat(100);
      probe.style.whiteSpace = 'pre';
      tokens.appendChild(probe);
      const ch = probe.getBoundingClientRect().width / 100;
      probe.remove();
      return tokens.clientWidth / ch;
    }),
  );
}

/** Clicks a control and reads the status pill in the next frame (no worker round trip fits). */
async function pressAndReadNextFrame(page: Page, testId: string) {
  return page.evaluate(async (id) => {
    document.querySelector<HTMLButtonElement>(`[data-testid="${id}"]`)!.click();
    await new Promise<void>((r) => requestAnimationFrame(() => r()));
    const text = (sel: string) => document.querySelector(sel)?.textContent ?? null;
    return {
      status: text('[data-testid="run-status"]'),
      ack: text('[data-testid="run-ack"]'),
      stopDisabled: document.querySelector<HTMLButtonElement>('[data-testid="stop"]')!.disabled,
    };
  }, testId);
}

test.describe('layouts', () => {
  for (const v of VIEWPORTS) {
    test(`${v.name} ${v.width}×${v.height}: no sideways scroll, controls in one row, readable rollouts`, async ({
      page,
      consoleErrors,
    }) => {
      await page.setViewportSize({ width: v.width, height: v.height });
      await runningLab(page);
      await page.screenshot({ path: `test-results/layout-${v.width}x${v.height}.png` });
      // The document is no wider than the screen.
      const widths = await page.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        body: document.body.scrollWidth,
        view: window.innerWidth,
      }));
      expect(widths.doc).toBeLessThanOrEqual(widths.view);
      expect(widths.body).toBeLessThanOrEqual(widths.view);
      // Start, the pause slot, Step once and Stop: on screen horizontally, in one row.
      const ids = ['start', 'pause', 'step-once', 'stop'];
      const boxes = await Promise.all(ids.map((id) => page.getByTestId(id).boundingBox()));
      for (const [i, b] of boxes.entries()) {
        expect(b, ids[i]).not.toBeNull();
        expect(b!.x, ids[i]).toBeGreaterThanOrEqual(0);
        expect(b!.x + b!.width, ids[i]).toBeLessThanOrEqual(v.width);
      }
      for (const b of boxes) expect(Math.abs(b!.y - boxes[0]!.y)).toBeLessThan(2);
      // Each rollout's text is at least ~30 characters wide (measured between steps).
      await pauseBetweenSteps(page);
      const inspector = page.getByTestId('inspector');
      await inspector.scrollIntoViewIfNeeded();
      for (const chars of await rolloutChars(page))
        expect(chars).toBeGreaterThanOrEqual(MIN_ROLLOUT_CHARS);
      // Byte tokens are never shown raw.
      await expect(inspector.getByTestId('rollouts')).not.toContainText('<0x');
      await inspector.screenshot({
        path: `test-results/layout-${v.width}x${v.height}-inspector.png`,
      });
      await page.getByTestId('stop').click();
      await expect(page.getByTestId('run-status')).toHaveText('stopped');
      expect(consoleErrors).toEqual([]);
    });
  }
});

test('Stop and Pause are acknowledged in the first frame after the click', async ({
  page,
  consoleErrors,
}) => {
  // Long rollouts: a step is mostly decoding, where Stop cuts it.
  await runningLab(page, ['rl.maxNewTokens=160']);
  const paused = await pressAndReadNextFrame(page, 'pause');
  expect(paused.status).toBe('pausing');
  expect(paused.ack).toMatch(/^pausing after /);
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: 60_000 });
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  await page.getByTestId('resume').click();
  await expect(page.getByTestId('run-status')).toHaveText('running');
  const stopped = await pressAndReadNextFrame(page, 'stop');
  expect(stopped.status).toBe('stopping');
  expect(stopped.ack).toMatch(/^stopping/);
  expect(stopped.stopDisabled).toBe(true);
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 60_000 });
  expect(consoleErrors).toEqual([]);
});

test('projector mode and the colour-blind-safe palette; both kept across a reload', async ({
  page,
  consoleErrors,
}) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(tinyUrl('wasm', ['rl.steps=300']));
  await waitForBackend(page);
  await page.getByTestId('projector-toggle').click();
  await page.getByTestId('palette').selectOption('blue-orange');
  await expect(page.getByTestId('projector-toggle')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('start').click();
  await waitForStep(page, 2, 90_000);
  await page.screenshot({ path: 'test-results/layout-projector-1920x1080.png' });
  await pauseBetweenSteps(page);
  const token = page.getByTestId('inspector').getByTestId('token').first();
  await expect(token).toBeVisible();
  expect(
    await token.evaluate((e) => parseFloat(getComputedStyle(e).fontSize)),
  ).toBeGreaterThanOrEqual(18);
  expect(
    await page
      .locator('.chart .recharts-cartesian-axis-tick-value')
      .first()
      .evaluate((e) => parseFloat(getComputedStyle(e).fontSize)),
  ).toBeGreaterThanOrEqual(14);
  // Advantage colours: blue above zero, orange below (no red / green).
  const backgrounds = await page
    .getByTestId('inspector')
    .getByTestId('token')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).style.background));
  expect(backgrounds.some((b) => /rgba\((86, 180, 233|230, 159, 0)/.test(b))).toBe(true);
  expect(backgrounds.some((b) => /rgba\((34, 197, 94|239, 68, 68)/.test(b))).toBe(false);
  // High contrast: every coloured token's text against its background (over the black rollout)
  // meets WCAG AA (4.5:1).
  const ratios = await page
    .getByTestId('inspector')
    .getByTestId('token')
    .evaluateAll((els) => {
      const rgba = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      return els.flatMap((e) => {
        const st = getComputedStyle(e);
        const [r, g, b, a = 1] = rgba(st.backgroundColor);
        if (!(a > 0.05) || e.textContent === '') return [];
        const bg = [r * a, g * a, b * a];
        const l1 = lum(rgba(st.color));
        const l2 = lum(bg);
        return [(Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05)];
      });
    });
  expect(ratios.length).toBeGreaterThan(0);
  expect(Math.min(...ratios)).toBeGreaterThanOrEqual(4.5);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1920);
  await page.getByTestId('inspector').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/layout-projector-inspector.png' });
  await page
    .getByTestId('rollouts')
    .screenshot({ path: 'test-results/layout-projector-rollouts.png' });
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-status')).toHaveText('stopped');
  await page.reload();
  await waitForBackend(page);
  await expect(page.getByTestId('projector-toggle')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('palette')).toHaveValue('blue-orange');
  expect(consoleErrors).toEqual([]);
});

test('keyboard: Space pauses and resumes, S steps, arrows move through rollouts, tokens and steps', async ({
  page,
  consoleErrors,
}) => {
  await runningLab(page);
  await waitForStep(page, 3, 90_000);
  // From the page itself (not a button): Space pauses.
  await page.locator('h2', { hasText: 'Training' }).click();
  await page.keyboard.press(' ');
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: 60_000 });
  const held = await stepCount(page);
  await page.keyboard.press('s');
  await waitForStep(page, held + 1, 60_000);
  await expect(page.getByTestId('phase')).toContainText('waiting', { timeout: 60_000 });
  expect(await stepCount(page)).toBe(held + 1);

  // The inspector: a rollout, → the next one (one with two tokens or more, so → can move
  // between its tokens: a response can be a lone EOS), Enter into its tokens.
  const inspector = page.getByTestId('inspector');
  const rollouts = inspector.getByTestId('rollout');
  await expect(rollouts.first()).toHaveAttribute('aria-label', /^Rollout 1 of \d+: reward /);
  const labels = await rollouts.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  const k = labels.findIndex((l, i) => i > 0 && Number(/(\d+) tokens\./.exec(l ?? '')?.[1]) >= 2);
  expect(k, 'a rollout after the first with two tokens or more').toBeGreaterThan(0);
  await rollouts.nth(k - 1).focus();
  await page.keyboard.press('ArrowRight');
  await expect(rollouts.nth(k)).toBeFocused();
  await page.keyboard.press('Enter');
  const focusedToken = inspector.locator('[data-testid="token"]:focus');
  await expect(focusedToken).toHaveCount(1);
  await expect(page.getByTestId('token-card')).toBeVisible();
  await expect(page.getByTestId('token-card')).toContainText('advantage');
  await expect(page.getByTestId('token-spoken')).toContainText(/^token .*, id \d+; advantage A /);
  // A resting pointer over the list (focus scrolls the page under it) leaves the card open.
  await rollouts.nth(k).locator('.rollout-head').hover();
  await expect(focusedToken).toHaveCount(1);
  await expect(page.getByTestId('token-card')).toContainText('advantage');
  const first = await focusedToken.getAttribute('data-i');
  await page.keyboard.press('ArrowRight');
  await expect(focusedToken).not.toHaveAttribute('data-i', first!);
  await page.keyboard.press('Escape');
  await expect(rollouts.nth(k)).toBeFocused();
  // ↑: the step before the one shown.
  const shown = Number(
    (await inspector.getByTestId('inspected-step').textContent())!.split(' ')[1],
  );
  await page.keyboard.press('ArrowUp');
  await expect(inspector.getByTestId('inspected-step')).toHaveText(`step ${shown - 1}`);
  // Space again (focus on a rollout, which is no button): the run goes on.
  await page.keyboard.press(' ');
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-status')).toHaveText('stopped');
  expect(consoleErrors).toEqual([]);
});

test('before Start, the Model panel shows the preset’s student, not the worker’s placeholder', async ({
  page,
  consoleErrors,
}) => {
  await page.goto('/?backend=wasm&preset=lab');
  await waitForBackend(page);
  // The lab preset's char tokenizer takes its vocabulary from the data: counted the same way.
  const lab = presetConfig('lab');
  const { items } = await loadItems(lab.data, 'train');
  const planned = plannedStudent(lab, buildTokenizer(lab, items).vocabSize)!;
  const summary = page.getByTestId('model-summary');
  await expect(summary).toHaveAttribute('data-kind', 'next-run');
  await expect(summary).toContainText(`${planned.layers} × ${planned.dModel}`);
  await expect(summary).toContainText(`${planned.context}`);
  await expect(page.getByTestId('model-parameters')).toHaveText(
    planned.parameters!.toLocaleString('en-US'),
  );
  await expect(summary).toContainText(`char, ${planned.vocab} tokens`);
  await expect(summary).not.toContainText('123,200'); // the worker's 2 × 64 placeholder
  // Another preset: the panel follows the picker.
  await page.getByTestId('preset').selectOption('tiny');
  const tiny = plannedStudent(presetConfig('tiny'))!;
  await expect(page.getByTestId('model-parameters')).toHaveText(
    tiny.parameters!.toLocaleString('en-US'),
  );
  expect(consoleErrors).toEqual([]);
});
