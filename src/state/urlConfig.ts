/**
 * A run's setup as a link: `?preset=NAME&set=section.key=VALUE&set=...`. Only the fields that
 * differ from the preset are written; VALUE is JSON (strings quoted), and a bare word is read as
 * a string, as the CLI's --set does. Other parameters (backend) are kept as they are. The API key
 * is never part of a config, so it never reaches a URL; a key put into a link by hand (`?apiKey=`,
 * `set=teacher.apiKey=...`) is ignored without being echoed and dropped from the address, and
 * credentials pasted into a config string (a base URL's `?api_key=`) are written redacted.
 */
import { applyOverride, type RunConfig } from '../contract/config';
import { PRESET_NAMES, presetConfig } from '../contract/presets';
import { isSecretField, isSecretParam, redactSecrets, redactText } from '../contract/redact';
import { changedFields } from '../contract/liveConfig';

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
  for (const name of new Set(params.keys()))
    if (isSecretParam(name) || isSecretField(name))
      warnings.push(
        `"${name}" ignored: keys are never read from links (it was removed from the address); enter the API key in the teacher panel.`,
      );
  for (const assignment of params.getAll('set')) {
    const path = assignment.slice(0, Math.max(0, assignment.indexOf('='))).trim();
    if (isSecretField(path.split('.').at(-1) ?? '')) {
      warnings.push(
        `set=${path} ignored: keys are never read from links; enter the API key in the teacher panel.`,
      );
      continue;
    }
    try {
      config = applyOverride(config, assignment);
    } catch (e) {
      const why = (e as Error).message.replace(/^Invalid config:\n/, '');
      warnings.push(redactText(`set=${assignment} ignored: ${why}`));
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
  config = redactSecrets(config);
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
  for (const name of [...params.keys()])
    if (isSecretParam(name) || isSecretField(name)) params.delete(name);
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
