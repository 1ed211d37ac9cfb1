/**
 * bench.html: starts the benchmark worker for ?backend=webgpu|wasm|webgl|cpu
 * (&presets=tiny,lab&parts=sampling,train,step,scaling&set=key=value&full=1) and publishes the result as
 * window.__benchResult.
 */
import { BENCH_BACKENDS, PARTS, type BenchBackend, type Part } from './plan';
import { emptyBrowserResult, type BenchEvent, type BenchRequest } from './protocol';
import { isPresetName } from './presets';

const q = new URLSearchParams(location.search);
const backendArg = q.get('backend') ?? 'wasm';
const presets = (q.get('presets') ?? 'tiny').split(',').filter(isPresetName);
const parts = (q.get('parts') ?? PARTS.join(','))
  .split(',')
  .filter((p): p is Part => (PARTS as readonly string[]).includes(p));
const out = document.getElementById('log') as HTMLPreElement;
const show = (line: string) => {
  out.textContent += line + '\n';
  console.log(line);
};

if (!(BENCH_BACKENDS as readonly string[]).includes(backendArg)) {
  show(`unknown backend ${backendArg}; use one of ${BENCH_BACKENDS.join(', ')}`);
} else {
  const req: BenchRequest = {
    backend: backendArg as BenchBackend,
    presets,
    full: q.get('full') === '1',
    parts,
    sets: q.getAll('set'),
  };
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (ev: MessageEvent<BenchEvent>) => {
    if (ev.data.type === 'log') show(ev.data.message);
    else {
      show(JSON.stringify(ev.data.result, null, 2));
      window.__benchResult = ev.data.result;
      worker.terminate();
    }
  };
  worker.onerror = (ev) => {
    show(`worker error: ${ev.message}`);
    window.__benchResult = {
      ...emptyBrowserResult(req.backend, navigator.userAgent),
      error: `worker error: ${ev.message}`,
    };
  };
  show(`running ${presets.join(', ')} on ${req.backend}...`);
  worker.postMessage(req);
}
