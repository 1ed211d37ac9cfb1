/// <reference lib="webworker" />
/** Runs the benchmark core on one backend inside a module worker (as the trainer does). */
import '../workers/browserBackends';
import { startBrowserWasm } from '../workers/wasmThreads';
import { selectBackend } from '../src/engine/backend/select';
import { runPreset } from './core';
import { planFor } from './plan';
import {
  emptyBrowserResult,
  type BenchEvent,
  type BenchRequest,
  type BrowserBenchResult,
} from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (e: BenchEvent) => scope.postMessage(e);
const log = (message: string) => post({ type: 'log', message });
/** The shipped students are static files of the served site (public/students/). */
const readStudentFile = async (path: string) => {
  const res = await fetch(
    new URL(`${import.meta.env.BASE_URL}students/${path}`, self.location.origin),
  );
  if (!res.ok) throw new Error(`students/${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
};

async function run(req: BenchRequest): Promise<BrowserBenchResult> {
  const out: BrowserBenchResult = emptyBrowserResult(req.backend, navigator.userAgent);
  try {
    const choice = await selectBackend(req.backend, { startWasm: startBrowserWasm });
    Object.assign(out, {
      backend: choice.backend,
      reason: choice.reason,
      adapter: choice.adapter,
      threads: choice.threads ?? null,
    });
    if (choice.backend !== req.backend) throw new Error(`backend ${req.backend}: ${choice.reason}`);
    for (const preset of req.presets) {
      const software = choice.adapter?.isSoftware ?? true;
      const plan = planFor(req.backend, preset, req.full, req.parts, true, software);
      if ('skipped' in plan) out.skipped.push({ preset, reason: plan.skipped });
      else out.results.push(await runPreset(plan, log, req.sets, readStudentFile));
    }
    out.ok = true;
  } catch (e) {
    out.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  }
  return out;
}

scope.onmessage = (ev: MessageEvent<BenchRequest>) => {
  void run(ev.data).then((result) => post({ type: 'done', result }));
};
