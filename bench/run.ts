/**
 * `npm run bench`: sampling (KV cache vs recompute) and train-step throughput on tfjs cpu and
 * wasm in Node, and on webgpu / wasm / webgl in system Chromium (bench.html in a worker).
 * Progress goes to stderr; stdout gets one JSON document.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs, USAGE, type Target } from './args';
import { runBrowser, type BrowserRun } from './browserRun';
import { machineInfo } from './machine';
import { runNode, type NodeBenchResult } from './node';
import type { BenchBackend } from './plan';
import { BATCH, NEW_TOKENS, PROMPT_TOKENS, TRAIN_SEQ } from './sampling';

const log = (msg: string) => process.stderr.write(msg + '\n');

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    log(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
  const started = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  const node: NodeBenchResult[] = [];
  for (const b of ['cpu', 'wasm'] as const) {
    if (args.targets.includes(b)) node.push(await runNode(b, args.presets, args.full, log));
  }
  const browserTargets = args.targets
    .filter((t: Target) => t.startsWith('browser-'))
    .map((t) => t.slice('browser-'.length) as BenchBackend);
  let browser: BrowserRun | null = null;
  if (browserTargets.length) {
    try {
      browser = await runBrowser(browserTargets, args.presets, args.full, log);
    } catch (e) {
      const note = `browser runs failed: ${e instanceof Error ? e.message : String(e)}`;
      browser = { chromium: null, executablePath: null, note, runs: [] };
    }
  }
  const doc = {
    benchmark: 'thinktuning-lab sampling + train step',
    started: started.toISOString(),
    total_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
    args: { ...args, usage: USAGE },
    workload: {
      sampling: `${BATCH} sequences x ${NEW_TOKENS} new tokens after a ${PROMPT_TOKENS}-token prompt, temperature 1, topP 1, eosId -1 (never sampled: every row runs the full length); tokens_per_s counts new tokens`,
      timing:
        'one untimed warm-up call (shader compilation), then the median of the timed runs (see each result notes for reduced counts)',
      train: `forward + backward + Adam on a [${BATCH}, ${TRAIN_SEQ}] random batch through tokenScores (loss = -mean logp); train_tokens_per_s counts ${BATCH * TRAIN_SEQ} tokens per step`,
    },
    machine: {
      ...machine,
      chromium: browser?.chromium ?? null,
      chromium_path: browser?.executablePath ?? null,
      webgpu_adapter: browser?.runs.find((r) => r.adapter)?.adapter ?? null,
    },
    node,
    browser,
  };
  const json = JSON.stringify(doc, null, 2);
  process.stdout.write(json + '\n');
  if (args.out) {
    writeFileSync(args.out, json + '\n');
    log(`wrote ${args.out}`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
