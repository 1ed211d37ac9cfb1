/**
 * "A minute to insight": the lab page as a newcomer meets it, in system Chromium with no URL
 * parameters (WASM on a machine without a real GPU). Each run opens a fresh browser context,
 * loads `/`, presses Start as soon as it is enabled and times:
 *   load -> ready            the worker has picked a backend (Start enabled)
 *   load -> first RL charts  the reward chart has its first point
 *   start -> first RL charts
 *   start -> first guided    a guided trajectory with teacher tokens shows in the inspector
 * Figures, not assertions: `npm run bench -- --backends first-minute`.
 */
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium.mjs';
import { startSite } from './browserRun';
import { median } from './stats';

export interface FirstMinuteRun {
  backend: string;
  preset: string;
  /** The worker's speed probe (presetTimings.ts's scale), ms. */
  probeMs: number | null;
  loadToReadyMs: number;
  loadToFirstChartsMs: number;
  startToFirstChartsMs: number;
  startToFirstGuidedMs: number;
}

export interface FirstMinuteResult {
  chromium: string | null;
  runs: FirstMinuteRun[];
  /** Medians over the runs. */
  median: Omit<FirstMinuteRun, 'backend' | 'preset' | 'probeMs'> | null;
  /** Median speed probe over the runs (the reference figure of presetTimings.ts). */
  probeMs: number | null;
  note?: string;
}

const LIMIT_MS = 180_000;

async function oneRun(page: Page, base: string): Promise<FirstMinuteRun> {
  const t0 = Date.now();
  await page.goto(`${base}/`);
  const start = page.getByTestId('start');
  await start.waitFor({ state: 'visible', timeout: LIMIT_MS });
  await page.waitForFunction(
    () => !(document.querySelector('[data-testid="start"]') as HTMLButtonElement | null)?.disabled,
    null,
    { timeout: LIMIT_MS, polling: 20 },
  );
  const tReady = Date.now();
  const badge = page.getByTestId('backend');
  const backend = ((await badge.textContent()) ?? '').trim();
  const probe = await badge.getAttribute('data-probe-ms');
  const preset = await page.getByTestId('preset').inputValue();
  await start.click();
  const tStart = Date.now();
  await page.waitForFunction(
    () =>
      Number(
        document.querySelector('[data-testid="chart-reward"]')?.getAttribute('data-points') ?? 0,
      ) >= 1,
    null,
    { timeout: LIMIT_MS, polling: 20 },
  );
  const tCharts = Date.now();
  await page
    .locator('.rollout-guided [data-part="reason"]')
    .first()
    .waitFor({ state: 'visible', timeout: LIMIT_MS });
  const tGuided = Date.now();
  await page.getByTestId('stop').click();
  return {
    backend,
    preset,
    probeMs: probe === null ? null : Number(probe),
    loadToReadyMs: tReady - t0,
    loadToFirstChartsMs: tCharts - t0,
    startToFirstChartsMs: tCharts - tStart,
    startToFirstGuidedMs: tGuided - tStart,
  };
}

export async function runFirstMinute(
  opts: { site: string | null; repeats?: number },
  log: (msg: string) => void,
): Promise<FirstMinuteResult> {
  const executablePath = findChromium();
  if (!executablePath)
    return {
      chromium: null,
      runs: [],
      median: null,
      probeMs: null,
      note: 'Chromium not found: skipped',
    };
  const served = await startSite(opts.site, log);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    await served.ready('/');
    const runs: FirstMinuteRun[] = [];
    for (let i = 0; i < (opts.repeats ?? 3); i++) {
      // a fresh context: no cache, no saved runs, as a first visit
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        const r = await oneRun(page, served.base);
        log(
          `first-minute ${i + 1}: ${r.backend} ${r.preset}: load->ready ${r.loadToReadyMs} ms, ` +
            `load->charts ${r.loadToFirstChartsMs} ms, start->charts ${r.startToFirstChartsMs} ms, ` +
            `start->guided ${r.startToFirstGuidedMs} ms`,
        );
        runs.push(r);
      } finally {
        await context.close();
      }
    }
    const m = (k: keyof Omit<FirstMinuteRun, 'backend' | 'preset' | 'probeMs'>) =>
      median(runs.map((r) => r[k]));
    const probes = runs.map((r) => r.probeMs).filter((p): p is number => p !== null);
    return {
      chromium: browser.version(),
      probeMs: probes.length ? median(probes) : null,
      runs,
      median: runs.length
        ? {
            loadToReadyMs: m('loadToReadyMs'),
            loadToFirstChartsMs: m('loadToFirstChartsMs'),
            startToFirstChartsMs: m('startToFirstChartsMs'),
            startToFirstGuidedMs: m('startToFirstGuidedMs'),
          }
        : null,
    };
  } finally {
    await browser.close();
    served.closeServer();
  }
}
