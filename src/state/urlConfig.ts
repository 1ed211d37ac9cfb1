/**
 * A run's setup as a link: `?preset=NAME&set=section.key=VALUE&set=...`. Only the fields that
 * differ from the preset are written; VALUE is JSON (strings quoted), and a bare word is read as
 * a string, as the CLI's --set does. Other parameters (backend) are kept as they are. The API key
 * is never part of a config, so it never reaches a URL.
 */
import { applyOverride, type RunConfig } from '../engine/config';
import { PRESET_NAMES, presetConfig } from '../engine/presets';
import { changedFields } from '../session/liveConfig';

/** Fields the URL leaves out: the header's `?backend=` chooses the backend. */
const NOT_IN_URL = new Set(['backend']);

export interface UrlConfig {
  preset: string;
  config: RunConfig;
  /** One line per ignored setting, naming the problem. */
  warnings: string[];
}

/** Reads preset and settings from a query string; bad settings are skipped with a warning. */
export function configFromSearch(search: string, fallbackPreset: string): UrlConfig {
  const params = new URLSearchParams(search);
  const warnings: string[] = [];
  let preset = params.get('preset') ?? fallbackPreset;
  if (!PRESET_NAMES.includes(preset)) {
    warnings.push(
      `preset "${preset}" is unknown (valid: ${PRESET_NAMES.join(', ')}); using "${fallbackPreset}".`,
    );
    preset = fallbackPreset;
  }
  let config = presetConfig(preset);
  for (const assignment of params.getAll('set')) {
    try {
      config = applyOverride(config, assignment);
    } catch (e) {
      warnings.push(
        `set=${assignment} ignored: ${(e as Error).message.replace(/^Invalid config:\n/, '')}`,
      );
    }
  }
  return { preset, config, warnings };
}

function valueAt(config: RunConfig, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], config);
}

/** The `set=` assignments that turn the preset into `config`. */
export function configAssignments(preset: string, config: RunConfig): string[] {
  const base = presetConfig(preset);
  return changedFields(base, config)
    .filter((p) => !NOT_IN_URL.has(p.split('.')[0]))
    .flatMap((p) => {
      const v = valueAt(config, p);
      return v === undefined ? [] : [`${p}=${JSON.stringify(v)}`];
    });
}

/** A query string for the setup, keeping parameters other than preset and set. */
export function searchForConfig(preset: string, config: RunConfig, current: string): string {
  const params = new URLSearchParams(current);
  params.delete('preset');
  params.delete('set');
  params.set('preset', preset);
  for (const a of configAssignments(preset, config)) params.append('set', a);
  // Keep "=", "/", ":" and quotes readable in shared links; they are valid in a query value.
  return (
    '?' +
    params
      .toString()
      .replace(/%3D/g, '=')
      .replace(/%2F/g, '/')
      .replace(/%3A/g, ':')
      .replace(/%22/g, '"')
      .replace(/%2C/g, ',')
  );
}
