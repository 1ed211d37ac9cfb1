// Locates the system Chromium used by Playwright (never downloaded by Playwright itself).
import { existsSync } from 'node:fs';

export const CHROMIUM_HELP =
  'No Chromium found for the browser tests. Either set CHROMIUM_PATH=/path/to/chromium, ' +
  "or install Debian's Chromium with `sudo apt-get install -y chromium` (gives /usr/bin/chromium).";

/** CHROMIUM_PATH if set, else /usr/bin/chromium; null when neither exists. */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null;
}

/** Flags for Chromium on a machine with a closed network; WebGPU exposed through SwiftShader. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];
