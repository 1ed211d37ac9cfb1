/**
 * Builds the site and serves it with `vite preview` (or serves a site built earlier, --site DIR)
 * and runs bench.html in system Chromium (or CHROMIUM_PATH).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium.mjs';
import { serveSite } from './staticSite';
import type { BenchBackend, Part } from './plan';
import type { PresetName } from './presets';
import type { BrowserBenchResult } from './protocol';

const VITE = 'node_modules/.bin/vite';
/** WebGPU on SwiftShader compiles shaders for minutes; the others finish well inside this. */
const PAGE_TIMEOUT_MS = 15 * 60_000;

export interface BrowserRun {
  chromium: string | null;
  executablePath: string | null;
  /** The Chromium command-line flags used. */
  args?: string[];
  note?: string;
  runs: BrowserBenchResult[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, child: ChildProcess | null): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (child && child.exitCode !== null)
      throw new Error(`vite preview exited (${child.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`vite preview did not answer at ${url} within 60 s`);
}

function failed(backend: BenchBackend, error: string): BrowserBenchResult {
  return {
    ok: false,
    requested: backend,
    backend: null,
    reason: '',
    adapter: null,
    threads: null,
    userAgent: '',
    results: [],
    skipped: [],
    error,
  };
}

/**
 * Chromium flags for a real GPU (--gpu): Vulkan through ANGLE, no SwiftShader, GPU blocklist off
 * (headless Chromium on Linux otherwise falls back to software), no Vulkan surface (there is no
 * display; WebGPU only needs a compute device).
 */
export const REAL_GPU_ARGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan',
  '--use-angle=vulkan',
  '--use-vulkan=native',
  '--ignore-gpu-blocklist',
  '--enable-gpu-rasterization',
  '--disable-vulkan-surface',
];

/** A served site: its base URL and how to stop the server. */
export interface ServedSite {
  base: string;
  closeServer: () => void;
  /** Resolves once `path` answers. */
  ready: (path: string) => Promise<void>;
}

/**
 * Serves the lab: a site built earlier (`--site DIR`), else `vite build` then `vite preview` on
 * a free loopback port.
 */
export async function startSite(
  siteDir: string | null,
  log: (msg: string) => void,
): Promise<ServedSite & { preview: ChildProcess | null }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let preview: ChildProcess | null = null;
  let site: Server | null = null;
  if (siteDir) {
    log(`serving ${siteDir} on ${base}`);
    site = await serveSite(siteDir, port);
  } else {
    log('vite build...');
    const build = spawnSync(VITE, ['build', '--logLevel', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (build.status !== 0) throw new Error(`vite build failed:\n${build.stderr.toString()}`);
    preview = spawn(
      VITE,
      ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    preview.stderr?.on('data', (d: Buffer) => log(`[vite] ${d.toString().trim()}`));
  }
  const closeServer = () => {
    preview?.kill('SIGTERM');
    site?.close();
  };
  return { base, closeServer, preview, ready: (path) => waitForServer(`${base}${path}`, preview) };
}

export async function runBrowser(
  backends: BenchBackend[],
  opts: {
    presets: PresetName[];
    full: boolean;
    parts: Part[];
    gpu: boolean;
    sets: string[];
    /** A built site to serve instead of `vite build` + `vite preview`. */
    site?: string | null;
  },
  log: (msg: string) => void,
): Promise<BrowserRun> {
  const { presets, full, parts } = opts;
  const executablePath = findChromium();
  if (!executablePath) {
    return {
      chromium: null,
      executablePath: null,
      note: 'Chromium not found (set CHROMIUM_PATH or apt-get install chromium): browser runs skipped',
      runs: [],
    };
  }
  const served = await startSite(opts.site ?? null, log);
  const { base, closeServer } = served;
  // CHROMIUM_EXTRA_ARGS="--flag --flag2" adds flags (a GPU whose driver wants other switches).
  const extra = (process.env.CHROMIUM_EXTRA_ARGS ?? '').split(/\s+/).filter(Boolean);
  const args = [...(opts.gpu ? REAL_GPU_ARGS : CHROMIUM_ARGS), ...extra];
  log(`chromium ${executablePath} ${args.join(' ')}`);
  const browser = await chromium.launch({ executablePath, args }).catch((e: unknown) => {
    closeServer();
    throw e;
  });
  // Ctrl-C / kill: close what this run started, then exit.
  const stop = () => {
    closeServer();
    void browser.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await served.ready('/bench.html');
    const out: BrowserRun = { chromium: browser.version(), executablePath, args, runs: [] };
    for (const backend of backends) {
      const sets = opts.sets.map((s) => `&set=${encodeURIComponent(s)}`).join('');
      const url = `${base}/bench.html?backend=${backend}&presets=${presets.join(',')}&parts=${parts.join(',')}${sets}${full ? '&full=1' : ''}`;
      log(`browser: ${url}`);
      const page = await browser.newPage();
      page.on('console', (m) => log(`[${backend}] ${m.text().split('\n')[0].slice(0, 200)}`));
      try {
        await page.goto(url);
        await page.waitForFunction(() => window.__benchResult !== undefined, null, {
          timeout: PAGE_TIMEOUT_MS,
          polling: 1000,
        });
        const r = await page.evaluate(() => window.__benchResult);
        out.runs.push(r ?? failed(backend, 'no result'));
      } catch (e) {
        out.runs.push(failed(backend, e instanceof Error ? e.message : String(e)));
      } finally {
        await page.close();
      }
    }
    return out;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await browser.close();
    closeServer();
  }
}
