/**
 * Reliability and security in the built app (issue 8): the Content-Security-Policy it ships,
 * teacher and dataset text rendered as text (an XSS payload runs nowhere), CORS rejection in the
 * browser, and the worker failing (a crash, a lost WebGPU device) with a restart that resumes the
 * run from its last checkpoint.
 */
import type { Page } from '@playwright/test';
import { TEACHER_PORT } from '../playwright.config';
import { test, expect, waitForBackend } from './fixtures';
import { stepCount, tinyUrl, waitForStep } from './lab';

const TEACHER = `http://127.0.0.1:${TEACHER_PORT}`;
const PAYLOAD = '<img src=x onerror=window.__pwned=1>';

/** Sets the shared test teacher's mode (it starts in error500; put it back afterwards). */
async function teacherMode(page: Page, mode: string, options: Record<string, unknown> = {}) {
  const res = await page.request.post(`${TEACHER}/__control/mode`, {
    data: { mode, ...options },
  });
  expect(res.ok()).toBe(true);
}

/** Records CSP violations of the page (workers report theirs as console errors). */
async function watchCsp(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}

const cspViolations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

test.describe('reliability and security', () => {
  test('teacher and dataset text render as text under the CSP; CORS rejection is named', async ({
    page,
    consoleErrors,
  }) => {
    await watchCsp(page);
    const question = `What is 1 + 2? ${PAYLOAD}`;
    const jsonl = [
      { question, answer: '1 + 2 = 3\n#### 3' },
      { question: `${PAYLOAD} What is 2 + 2?`, answer: '2 + 2 = 4\n#### 4' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const posted = await page.request.post(`${TEACHER}/__control/data`, {
      data: { name: 'xss.jsonl', text: jsonl },
    });
    expect(posted.ok()).toBe(true);
    try {
      // A server without CORS headers: the browser blocks the reply and the lab says so.
      await teacherMode(page, 'noCors');
      const response = await page.goto(
        tinyUrl('wasm', [
          'teacher.kind="http"',
          `teacher.baseURL="${TEACHER}/v1"`,
          'teacher.model="test-teacher"',
          'teacher.retries=0',
          'data.source="gsm8k"',
          `data.gsm8kTrain="${TEACHER}/__data/xss.jsonl"`,
          'data.trainSize=2',
          'model.context=512',
          'rl.maxNewTokens=48',
          'rl.steps=3',
        ]),
      );
      // The built app ships its policy as a header (preview) and in the page.
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute(
        'content',
        /default-src 'self'.*'wasm-unsafe-eval'.*object-src 'none'/,
      );
      await waitForBackend(page);
      await page.getByTestId('test-connection').click();
      await expect(page.getByTestId('connection-report')).toContainText(/CORS/);

      // Now a teacher whose <reason> is the payload.
      await teacherMode(page, 'ok', { reason: PAYLOAD });
      await page.getByTestId('start').click();
      await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
      await expect(page.locator('.question').first()).toContainText(PAYLOAD);
      // A guided rollout shows the teacher's reason, token by token, as text.
      let found = false;
      for (const step of ['1', '2', '3']) {
        await page.getByTestId('inspect-step').selectOption(step);
        await expect(page.getByTestId('inspected-step')).toHaveText(`step ${step}`);
        for (const group of ['0', '1']) {
          await page.getByTestId('inspect-group').selectOption(group);
          const reason = page.locator('.part-reason');
          if ((await reason.count()) === 0) continue;
          const text = await reason.first().locator('[data-testid="token"]').allTextContents();
          expect(text.join('')).toBe(PAYLOAD);
          found = true;
          break;
        }
        if (found) break;
      }
      expect(found, 'some rollout was guided').toBe(true);
      expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await cspViolations(page)).toEqual([]);
      // The CORS test's blocked fetches are logged by the browser; nothing else may be.
      expect(consoleErrors.filter((e) => !/CORS|Failed to fetch|ERR_FAILED/.test(e))).toEqual([]);
    } finally {
      await teacherMode(page, 'error500', { reason: null });
    }
  });

  test('teacher failures are counted by kind; the circuit pauses calls and says so', async ({
    page,
    consoleErrors,
  }) => {
    // The shared test teacher answers HTTP 500 (its default mode).
    await page.goto(
      tinyUrl('wasm', [
        'teacher.kind="http"',
        `teacher.baseURL="${TEACHER}/v1"`,
        'teacher.model="test-teacher"',
        'teacher.retries=0',
        'teacher.circuitFailures=2',
        'teacher.circuitCooldownMs=600000',
      ]),
    );
    await waitForBackend(page);
    await page.getByTestId('start').click();
    await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
    // The run is over: the line says what the circuit was at its end, not that calls are paused.
    await expect(page.getByTestId('teacher-circuit')).toContainText(
      'off, run ended (the circuit was open at its last step)',
    );
    await expect(page.getByTestId('teacher-circuit')).not.toContainText('paused (circuit open)');
    await expect(page.getByTestId('teacher-circuit')).toContainText(/\d+ skipped while paused/);
    await expect(page.getByTestId('fault-kinds')).toContainText(/server_error \d+/);
    await expect(page.getByTestId('run-note').first()).toContainText(
      /Teacher calls paused: \d+ failed calls in a row/,
    );
    expect(consoleErrors.filter((e) => !/status of 500/.test(e))).toEqual([]);
  });

  test('a worker crash shows a banner; restart on wasm resumes the run from its checkpoint', async ({
    page,
    consoleErrors,
  }) => {
    await watchCsp(page);
    await page.goto(
      `${tinyUrl('wasm', ['rl.steps=200', 'rl.checkpointEvery=2', 'teacher.kind="builtin"'])}&testFaults=1`,
    );
    await waitForBackend(page);
    await page.getByTestId('start').click();
    await waitForStep(page, 3, 90_000);
    await page.evaluate(() =>
      (
        window as unknown as { __labTest: { simulateFault(f: string): void } }
      ).__labTest.simulateFault('throw'),
    );
    await expect(page.getByTestId('worker-fault')).toContainText('The trainer worker crashed');
    await expect(page.getByTestId('worker-fault')).toContainText('resumes from its last saved');
    const before = await stepCount(page);
    const points = Number(await page.getByTestId('chart-reward').getAttribute('data-points'));
    expect(points).toBeGreaterThanOrEqual(2);

    // Every value the step counter shows from now on.
    await page.evaluate(() => {
      const w = window as unknown as { __steps: string[] };
      w.__steps = [];
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid="step"]')?.textContent ?? '';
        if (w.__steps.at(-1) !== t) w.__steps.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId('restart-wasm').click();
    await expect(page.getByTestId('worker-fault')).toHaveCount(0);
    expect(await waitForBackend(page)).toBe('wasm');
    await expect(page.getByTestId('run-status')).toHaveText(/running/, { timeout: 60_000 });
    await waitForStep(page, before + 1, 90_000);
    // Resumed from the last checkpoint (step 2 or later, one every 2 steps), not started over:
    // the counter never showed step 1 again, the run list still holds one run, and the charts
    // kept the steps before the crash.
    const seen = await page.evaluate(() => (window as unknown as { __steps: string[] }).__steps);
    expect(seen).not.toContain('1');
    await expect(page.getByTestId('saved-run')).toHaveCount(1);
    const resumedPoints = Number(
      await page.getByTestId('chart-reward').getAttribute('data-points'),
    );
    expect(resumedPoints).toBeGreaterThanOrEqual(before);
    await page.getByTestId('stop').click();
    await expect(page.getByTestId('run-status')).toHaveText('stopped');
    expect(await cspViolations(page)).toEqual([]);
    expect(consoleErrors.filter((e) => !/simulated worker crash/.test(e))).toEqual([]);
  });

  test('a lost WebGPU device shows a banner; restart on wasm brings the lab back', async ({
    page,
    consoleErrors,
  }) => {
    await page.goto('/?backend=webgpu&testFaults=1');
    expect(await waitForBackend(page)).toBe('webgpu');
    // Destroys the real device: tfjs's device.lost promise resolves and the worker reports it.
    await page.evaluate(() =>
      (
        window as unknown as { __labTest: { simulateFault(f: string): void } }
      ).__labTest.simulateFault('device-lost'),
    );
    await expect(page.getByTestId('worker-fault')).toContainText(
      'The GPU device was lost (destroyed)',
    );
    // The real device's loss, not the fallback report for other backends.
    await expect(page.getByTestId('worker-fault')).not.toContainText('test fault');
    await expect(page.getByTestId('restart-webgpu')).toBeVisible();
    await page.getByTestId('restart-wasm').click();
    expect(await waitForBackend(page)).toBe('wasm');
    expect(page.url()).toContain('backend=wasm');
    expect(consoleErrors).toEqual([]);
  });
});
