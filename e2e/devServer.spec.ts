/**
 * `npm start` (the Vite dev server) on a first load: the dependencies are pre-bundled before the
 * page asks for them, so the page never reloads under the user (a reload lost a Start pressed
 * before it), and the page and its worker run under the same Content-Security-Policy as the
 * build, with a per-response nonce for Vite's inline script and injected styles.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { wasmThreadsFor } from '../src/contract/backend';
import { test, expect, waitForBackend } from './fixtures';
import { tinyUrl, waitForStep } from './lab';

/** Next to the preview server's port, so checkouts that set E2E_PORT do not collide. */
const DEV_PORT = Number(process.env.E2E_DEV_PORT ?? Number(process.env.E2E_PORT ?? 4173) + 1);
const ORIGIN = `http://127.0.0.1:${DEV_PORT}`;

let server: ViteDevServer;
let cacheDir: string;

test.beforeAll(async () => {
  // An empty dependency cache: what a fresh checkout's first `npm start` sees.
  cacheDir = mkdtempSync(join(tmpdir(), 'lab-vite-cache-'));
  server = await createServer({
    cacheDir,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: DEV_PORT, strictPort: true },
  });
  await server.listen();
});

test.afterAll(async () => {
  await server?.close();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

test('dev server: the first load does not reload, and the page runs under the CSP', async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(300_000);
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  let loads = 0;
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) loads++;
  });
  const hmr = page.waitForEvent('console', {
    predicate: (m) => m.text().includes('[vite] connected'),
    timeout: 240_000,
  });
  const response = await page.goto(`${ORIGIN}${tinyUrl('wasm', ['rl.steps=2'])}`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval' 'nonce-");
  expect(csp).not.toContain("'unsafe-eval'");
  expect(csp).not.toContain('unsafe-inline');
  expect(nonce).toBeTruthy();
  // Vite's inline script (React Refresh) carries this response's nonce, not the placeholder.
  const html = (await response?.text()) ?? '';
  expect(html).not.toContain('thinktuning-dev-csp-nonce');
  expect(html).toContain(`nonce="${nonce}"`);
  await hmr; // HMR's WebSocket connected under connect-src 'self'
  expect(await waitForBackend(page)).toBe('wasm');
  // Cross-origin isolated (vite.config.ts server.headers): wasm runs threaded in dev too.
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = wasmThreadsFor(cores);
  await expect(page.getByTestId('backend-threads')).toHaveText(
    threads === 1 ? '1 thread' : `${threads} threads`,
  );
  // Start as soon as it can be pressed: the run starts, and no reload takes it away.
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText(/running|done/);
  await waitForStep(page, 1, 120_000);
  expect(loads).toBe(1);
  // The styles Vite injected under the nonce apply.
  expect(await page.locator('.lab').evaluate((e) => getComputedStyle(e).display)).toBe('grid');
  const violations = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  expect(violations).toEqual([]);
  expect(consoleErrors).toEqual([]);
});
