import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_HELP, findChromium } from './scripts/chromium.mjs';

const executablePath = findChromium();
if (!executablePath) throw new Error(CHROMIUM_HELP);

// E2E_PORT / E2E_TEACHER_PORT let two checkouts run their e2e suites side by side.
const PORT = Number(process.env.E2E_PORT ?? 4173);
/** The loopback teacher server the e2e tests point the HTTP teacher at (answers HTTP 500). */
export const TEACHER_PORT = Number(process.env.E2E_TEACHER_PORT ?? 8787);

export default defineConfig({
  testDir: 'e2e',
  // WebGPU on SwiftShader takes both cores: one test at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 120_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: { executablePath, args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 860 },
  },
  webServer: [
    {
      command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
      url: `http://127.0.0.1:${PORT}`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    {
      command: `npx tsx test/teacherServer/testServerMain.ts ${TEACHER_PORT} --mode error500`,
      url: `http://127.0.0.1:${TEACHER_PORT}/__control/requests`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
  ],
});
