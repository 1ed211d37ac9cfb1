/** Runs bench/torch_reference.py (PyTorch on the CPU) on each preset's train workload, when torch is there. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TORCH_MATCHED_TRAIN_REPS } from './plan';
import { loadBenchPreset, type PresetName } from './presets';
import { isRealSizeName } from './realSize';
import { TRAIN_SEQ } from './workload';

const SCRIPT = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

export interface TorchRun {
  preset: PresetName;
  threads: number;
  train_tokens_per_s?: number;
  train_step_ms?: number;
  [k: string]: unknown;
}

export interface TorchResult {
  available: boolean;
  python: string;
  /** Why nothing ran (no python, no torch), when available is false. */
  reason?: string;
  runs: TorchRun[];
  errors: string[];
}

/**
 * Pins every thread pool of the reference to t threads. Debian's torch is built with BLAS_INFO=
 * generic: its matmuls call OpenBLAS through libblas.so.3, whose own pool (one thread per core)
 * torch.set_num_threads does not reach. Unpinned, a "1-thread" reference ran its matmuls on every
 * core, and at 2 threads OpenMP's 2 plus OpenBLAS's 2 oversubscribed the 2 cores.
 */
export function blasThreadsEnv(t: number): Record<string, string> {
  const n = String(t);
  return { OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n };
}

/** Threads: the machine's cores (the default reference) and 1 (the same as single-threaded wasm). */
export function runTorch(
  presets: PresetName[],
  sets: readonly string[],
  threads: number[],
  log: (msg: string) => void,
): Promise<TorchResult> {
  return (async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
    });
    if (probe.error || probe.status !== 0) {
      const reason = probe.error
        ? `${PYTHON} not found (${probe.error.message})`
        : `import torch failed in ${PYTHON}: ${probe.stderr.trim().split('\n').pop()} (Debian: apt-get install python3-torch)`;
      log(`torch reference skipped: ${reason}`);
      return { available: false, python: PYTHON, reason, runs: [], errors: [] };
    }
    const out: TorchResult = { available: true, python: PYTHON, runs: [], errors: [] };
    for (const name of presets) {
      if (isRealSizeName(name)) continue; // the reference script builds the scratch model only
      const p = await loadBenchPreset(name, sets);
      for (const t of threads) {
        log(`torch ${probe.stdout.trim()}: ${name} [${p.rows}, ${TRAIN_SEQ}] threads=${t}`);
        const r = spawnSync(
          PYTHON,
          [
            SCRIPT,
            '--config',
            JSON.stringify(p.model),
            '--batch',
            String(p.rows),
            '--seq',
            String(TRAIN_SEQ),
            '--reps',
            String(TORCH_MATCHED_TRAIN_REPS),
            '--threads',
            String(t),
          ],
          { encoding: 'utf8', timeout: 15 * 60_000, env: { ...process.env, ...blasThreadsEnv(t) } },
        );
        if (r.status !== 0) {
          out.errors.push(
            `${name} threads=${t}: ${(r.stderr || String(r.error)).trim().slice(-400)}`,
          );
          continue;
        }
        out.runs.push({ ...(JSON.parse(r.stdout) as TorchRun), preset: name });
      }
    }
    return out;
  })();
}
