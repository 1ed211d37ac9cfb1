import { test as base, expect, type Page } from '@playwright/test';

/** Collects console errors and uncaught exceptions from the page and its workers. */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('worker', (w) => {
      w.on('console', (m) => {
        if (m.type() === 'error') errors.push(`[worker] ${m.text()}`);
      });
    });
    await use(errors);
  },
});

export { expect };

/** Waits for the worker's backend badge to show a backend name. */
export async function waitForBackend(page: Page): Promise<string> {
  const badge = page.getByTestId('backend');
  await expect(badge).toHaveText(/^(webgpu|wasm|webgl|cpu)$/i, { timeout: 150_000 });
  return ((await badge.textContent()) ?? '').toLowerCase();
}
