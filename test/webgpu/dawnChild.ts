/**
 * Runs a parity script (test/webgpu/*Main.ts) in a child Node on Dawn's bindings over SwiftShader's
 * Vulkan, both from Debian's Chromium; a child process is what lets it put Chromium's Vulkan loader
 * on LD_LIBRARY_PATH. Returns the first stdout line, parsed.
 *
 * The children close the device before exiting (exitClosingWebGPU): exiting with it live made
 * dawn.node's teardown SIGSEGV after the results were printed, in half the runs under load. A
 * child still killed by a signal other than the timeout's (a native crash) is run once more, and
 * the retry is logged; a second crash, a non-zero exit or a timeout fails with the child's stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM_LIB = process.env.CHROMIUM_LIB_DIR ?? '/usr/lib/chromium';
export const SWIFTSHADER_ICD = `${CHROMIUM_LIB}/vk_swiftshader_icd.json`;

export function runDawnChild<T>(script: string, timeoutMs: number): T {
  if (!existsSync(SWIFTSHADER_ICD))
    throw new Error(
      `${SWIFTSHADER_ICD} missing: install Debian's chromium (apt-get install -y chromium), or set CHROMIUM_LIB_DIR`,
    );
  for (let attempt = 1; ; attempt++) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
      env: {
        ...process.env,
        LD_LIBRARY_PATH: [CHROMIUM_LIB, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
        VK_ICD_FILENAMES: SWIFTSHADER_ICD,
      },
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    if (run.status === 0) return JSON.parse(run.stdout.trim().split('\n')[0]) as T;
    const crashed = run.signal !== null && run.signal !== 'SIGTERM';
    const what = `${script}: exit status ${run.status}, signal ${run.signal ?? 'none'}`;
    if (crashed && attempt === 1) {
      console.warn(`${what} (a native crash); running it once more`);
      continue;
    }
    throw new Error(`${what}${run.signal === 'SIGTERM' ? ' (timed out)' : ''}\n${run.stderr}`);
  }
}
