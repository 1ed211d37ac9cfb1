/**
 * `npm run bench`: for the tiny and lab presets, sampling (KV cache vs recompute at 256 new
 * tokens, work per decoding step), train step, the full RL step split into its phases, update
 * scaling in G and length, and peak memory, on tfjs cpu and wasm in Node and webgpu / wasm / webgl
 * in system Chromium (bench.html in a worker), plus the PyTorch CPU reference when torch imports.
 * Progress goes to stderr; stdout gets one JSON document.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs, USAGE, type Target } from './args';
import { runBrowser, type BrowserRun } from './browserRun';
import { runFirstMinute, type FirstMinuteResult } from './firstMinute';
import { runImportBench, type ImportBenchRow } from './importRuns';
import { machineInfo } from './machine';
import { runNode, type NodeBenchResult } from './node';
import { exitClosingWebGPU } from './nodeWebgpu';
import { MODEL_PARTS, type BenchBackend } from './plan';
import { isRealSizeName } from './realSize';
import { summaryRow, torchEqualThreads, torchRatios } from './summary';
import { runTorch, type TorchResult } from './torch';
import { WORKLOAD } from './workload';

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
  const nodeOpts = {
    presets: args.presets,
    full: args.full,
    parts: args.parts,
    stockMatMul: args.stockMatMul,
    layerDecoding: args.layerDecoding,
    sets: args.sets,
  };
  const models = args.parts.some((p) => MODEL_PARTS.includes(p));
  for (const b of ['wasm', 'cpu', 'webgpu'] as const) {
    if (!models || !args.targets.includes(b)) continue;
    if (b !== 'wasm') node.push(await runNode(b, nodeOpts, log));
    else
      for (const wasmThreads of args.wasmThreads)
        node.push(await runNode(b, { ...nodeOpts, wasmThreads }, log));
  }
  const torchThreads = [...new Set([os.cpus().length, 1, ...args.wasmThreads])];
  let torch: TorchResult | null = null;
  if (models && args.targets.includes('torch') && args.parts.includes('train'))
    torch = await runTorch(args.presets, args.sets, torchThreads, log);
  let firstMinute: FirstMinuteResult | null = null;
  if (args.targets.includes('first-minute')) {
    try {
      firstMinute = await runFirstMinute({ site: args.site }, log);
    } catch (e) {
      const note = `first-minute failed: ${e instanceof Error ? e.message : String(e)}`;
      log(note);
      firstMinute = { chromium: null, runs: [], median: null, probeMs: null, note };
    }
  }
  const browserTargets = args.targets
    .filter((t: Target) => t.startsWith('browser-'))
    .map((t) => t.slice('browser-'.length) as BenchBackend);
  let browser: BrowserRun | null = null;
  if (models && browserTargets.length) {
    try {
      // A bare run measures the real-size students in Node only (many minutes per backend).
      const presets = args.presetsNamed
        ? args.presets
        : args.presets.filter((p) => !isRealSizeName(p));
      browser = await runBrowser(
        browserTargets,
        {
          presets,
          full: args.full,
          parts: args.parts,
          gpu: args.gpu,
          sets: args.sets,
          site: args.site,
        },
        log,
      );
    } catch (e) {
      const note = `browser runs failed: ${e instanceof Error ? e.message : String(e)}`;
      browser = { chromium: null, executablePath: null, note, runs: [] };
    }
  }
  // Opening big runs read-only (verl dump, TRL completions): load time and heap at 100 000 rollouts.
  const importRuns: ImportBenchRow[] | null = args.parts.includes('import')
    ? await runImportBench(log)
    : null;
  const rows = [
    ...node.flatMap((n) => n.results.map((r) => summaryRow('node', r, n.threads))),
    ...(browser?.runs ?? []).flatMap((b) =>
      b.results.map((r) => summaryRow('chromium', r, b.threads ?? null)),
    ),
  ];
  const doc = {
    benchmark: 'thinktuning-lab sampling, train step, RL step, update scaling',
    started: started.toISOString(),
    total_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
    args: { ...args, usage: USAGE },
    workload: WORKLOAD,
    machine: {
      ...machine,
      chromium: browser?.chromium ?? null,
      chromium_path: browser?.executablePath ?? null,
      webgpu_adapter: browser?.runs.find((r) => r.adapter)?.adapter ?? null,
      node_webgpu_adapter: node.find((n) => n.adapter)?.adapter ?? null,
    },
    summary: {
      rows,
      torch_over_wasm: torchRatios(rows, torch),
      torch_over_wasm_equal_threads: torchEqualThreads(rows, torch),
      torch_note: torch
        ? torch.available
          ? `PyTorch reference ran (${torch.python}) at ${torchThreads.join(', ')} thread(s) (this machine has ${os.cpus().length} cores); Node wasm at ${args.wasmThreads.join(', ')}`
          : `PyTorch reference not run: ${torch.reason}`
        : 'PyTorch reference not requested (--backends ... torch)',
    },
    node,
    torch,
    browser,
    firstMinute,
    import_runs: importRuns,
  };
  const json = JSON.stringify(doc, null, 2);
  process.stdout.write(json + '\n');
  if (args.out) {
    writeFileSync(args.out, json + '\n');
    log(`wrote ${args.out}`);
  }
}

exitClosingWebGPU(main(), (e) => log(e instanceof Error ? (e.stack ?? e.message) : String(e)));
