/**
 * The page's time estimates: each preset's expected seconds per RL step on this tab (for the
 * preset picker) and the whole run's (for the long-run warning), from presetTimings.ts.
 */
import type { AdapterInfo, BackendName } from '../contract/backend';
import type { RunConfig } from '../contract/config';
import {
  estimateRun,
  formatDuration,
  LONG_RUN_SECONDS,
  speedScale,
  timedBackend,
  type RunEstimate,
} from '../contract/presetTimings';
import { PRESET_NAMES, presetConfig } from '../contract/presets';

export interface PresetEstimates {
  /** Option text per preset: "cpu · ~0.9 s/step"; a preset never measured here shows its name. */
  labels: Record<string, string>;
  /** The quickest whole run, among presets measured here that start RL at once (a shipped student). */
  fastest: { preset: string; total: number } | null;
}

function scaleFor(
  backend: BackendName | null,
  adapter: AdapterInfo | null,
  probeMs: number | null,
) {
  const tb = backend ? timedBackend(backend, adapter?.isSoftware ?? true) : null;
  return { tb, scale: tb ? speedScale(tb, probeMs) : 1 };
}

export function presetEstimates(
  backend: BackendName | null,
  adapter: AdapterInfo | null,
  probeMs: number | null,
): PresetEstimates {
  const { tb, scale } = scaleFor(backend, adapter, probeMs);
  const labels: Record<string, string> = {};
  let fastest: PresetEstimates['fastest'] = null;
  for (const name of PRESET_NAMES) {
    const e = estimateRun(name, presetConfig(name), tb, scale);
    labels[name] = e.rlStep === null ? name : `${name} · ~${formatDuration(e.rlStep)}/step`;
    // the way out of a long run: the quickest preset that starts RL at once (a shipped student)
    if (e.total !== null && e.sftSteps === 0 && (!fastest || e.total < fastest.total))
      fastest = { preset: name, total: e.total };
  }
  return { labels, fastest };
}

export function runEstimate(
  preset: string,
  config: RunConfig,
  backend: BackendName | null,
  adapter: AdapterInfo | null,
  probeMs: number | null,
): RunEstimate {
  const { tb, scale } = scaleFor(backend, adapter, probeMs);
  return estimateRun(preset, config, tb, scale);
}

/**
 * Whether Start asks first: the run would take over LONG_RUN_SECONDS here and a faster preset
 * exists to offer. On the fastest preset (the default one on a CPU) Start just starts, however
 * slow this tab: there is nothing faster to offer, and a newcomer's first Start must train.
 */
export function asksBeforeStart(
  preset: string,
  total: number | null,
  fastest: PresetEstimates['fastest'],
): boolean {
  return (
    total !== null && total > LONG_RUN_SECONDS && fastest !== null && fastest.preset !== preset
  );
}
