/**
 * The preset the page opens on when the link names none: the one that suits the backend the
 * worker found (a real GPU: lab; WASM or a software GPU: the CPU preset with its shipped
 * student), with one line that says why.
 */
import type { AdapterInfo, BackendName } from '../contract/backend';
import { estimateRun, formatDuration, speedScale, timedBackend } from '../contract/presetTimings';
import { presetConfig } from '../contract/presets';

/** The page's preset before the worker has said which backend it runs on. */
export const CPU_PRESET = 'cpu';
export const GPU_PRESET = 'lab';

export interface DefaultChoice {
  preset: string;
  /** One line for the page: which preset, and why. */
  note: string;
}

function perStep(
  preset: string,
  backend: BackendName,
  adapter: AdapterInfo | null,
  probe: number | null,
) {
  const tb = timedBackend(backend, adapter?.isSoftware ?? true);
  const s = tb ? estimateRun(preset, presetConfig(preset), tb, speedScale(tb, probe)).rlStep : null;
  return s === null ? null : formatDuration(s);
}

/** The backend's default preset and the reason, in words. */
export function defaultPresetFor(
  backend: BackendName,
  adapter: AdapterInfo | null,
  probeMs: number | null,
): DefaultChoice {
  const realGpu = backend === 'webgpu' && adapter !== null && !adapter.isSoftware;
  if (realGpu) {
    const step = perStep(GPU_PRESET, backend, adapter, probeMs);
    return {
      preset: GPU_PRESET,
      note: `Opened on the ${GPU_PRESET} preset: this tab has a real GPU (WebGPU${adapter.vendor ? ` on ${adapter.vendor}` : ''})${step ? `, about ${step} per RL step` : ''}.`,
    };
  }
  const cpuStep = perStep(CPU_PRESET, backend, adapter, probeMs);
  const labStep = perStep(GPU_PRESET, backend, adapter, probeMs);
  const where =
    backend === 'webgpu'
      ? 'a software GPU (no real one found)'
      : `${backend.toUpperCase()} (no real GPU found)`;
  return {
    preset: CPU_PRESET,
    note:
      `Opened on the ${CPU_PRESET} preset: this tab trains on ${where}, where it starts RL at once from a shipped warm-up student` +
      (cpuStep ? ` at about ${cpuStep} per step` : '') +
      (labStep ? `; the ${GPU_PRESET} preset would take about ${labStep} per step here.` : '.'),
  };
}
