/**
 * What the UI does: plain functions that update the store and talk to the worker. Components
 * call these; none of them holds state of its own.
 */
import type { CounterfactualRequest } from '../contract/counterfactual';
import { parseConfig, type RunConfig } from '../contract/config';
import { presetConfig } from '../contract/presets';
import type { TeacherPromptConfig } from '../contract/teacherPrompt';
import { applyLiveFields } from '../contract/liveConfig';
import type { PretrainedSource, TeacherExtras, TeacherSettings } from '../session/protocol';
import { useLab } from './labStore';
import { describeRun } from './runNames';
import {
  DEFAULT_PRESET,
  PALETTES,
  type ColorMode,
  type DisplaySlice,
  type Palette,
} from './slices';
import { configFromSearch, searchForConfig } from './urlConfig';
import { counterfactualSent } from './counterfactualStore';
import { currentWorkerClient } from './workerClient';

const KEY_STORAGE = 'thinktuning-lab.teacher-api-key';
const DISPLAY_STORAGE = 'thinktuning-lab.display';

/** True while a run exists that has not ended. */
export function runActive(status = useLab.getState().progress.status): boolean {
  return status === 'running' || status === 'paused' || status === 'stopping';
}

/** The config's problems as one message, or null when it is valid. */
export function configProblem(config: RunConfig): string | null {
  try {
    parseConfig(config);
    return null;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid config:\n/, '');
  }
}

/** Reads the setup from the page's URL and a remembered API key (once, at start-up). */
export function loadSetupFromPage(): void {
  const { preset, config, warnings } = configFromSearch(location.search, DEFAULT_PRESET);
  let apiKey = '';
  try {
    apiKey = localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    // storage can be disabled; the key then lives in memory only
  }
  // A link that names a preset or settings decides; otherwise the backend's default does.
  const params = new URLSearchParams(location.search);
  const fromUrl = params.has('preset') || params.has('set');
  useLab.setState({
    preset,
    config,
    urlWarnings: warnings,
    apiKey,
    rememberKey: apiKey !== '',
    presetSource: fromUrl ? 'url' : 'default',
    ...storedDisplay(),
  });
}

/** Projector mode and the palette as last chosen on this browser (?projector=1 forces it on). */
function storedDisplay(): Partial<DisplaySlice> {
  const out: Partial<DisplaySlice> = {};
  try {
    const v = JSON.parse(localStorage.getItem(DISPLAY_STORAGE) ?? '{}') as Partial<DisplaySlice>;
    if (typeof v.projector === 'boolean') out.projector = v.projector;
    if (PALETTES.includes(v.palette as Palette)) out.palette = v.palette;
  } catch {
    // storage disabled or unreadable: the defaults
  }
  if (new URLSearchParams(location.search).get('projector') === '1') out.projector = true;
  return out;
}

function storeDisplay(): void {
  const { projector, palette } = useLab.getState();
  try {
    localStorage.setItem(DISPLAY_STORAGE, JSON.stringify({ projector, palette }));
  } catch {
    // storage disabled: this page only
  }
}

/** Projector mode: large type, high contrast, bigger charts (for the back of a room). */
export function setProjector(projector: boolean): void {
  useLab.setState({ projector });
  storeDisplay();
}

/** The token colours' palette (blue / orange is colour-blind safe). */
export function setPalette(palette: Palette): void {
  useLab.setState({ palette });
  storeDisplay();
}

function syncUrl(): void {
  const { preset, config } = useLab.getState();
  const search = searchForConfig(preset, config, location.search);
  if (search !== location.search) history.replaceState(history.state, '', search + location.hash);
}

let liveTimer: ReturnType<typeof setTimeout> | null = null;

/** Sends the live part of the edited config to a running run (debounced). */
function scheduleLiveUpdate(): void {
  if (!runActive()) return;
  if (liveTimer) clearTimeout(liveTimer);
  liveTimer = setTimeout(() => {
    liveTimer = null;
    const { config, runConfig } = useLab.getState();
    if (!runActive() || !runConfig || configProblem(config)) return;
    const next = structuredClone(runConfig);
    applyLiveFields(next, config);
    useLab.setState({ runConfig: next });
    currentWorkerClient()?.updateConfig(config);
  }, 250);
}

export function setPreset(name: string): void {
  const keepTeacher = useLab.getState().config.teacher;
  const config = presetConfig(name);
  config.teacher = structuredClone(keepTeacher);
  useLab.setState({ preset: name, config, presetSource: 'user', presetNote: null });
  syncUrl();
  scheduleLiveUpdate();
}

/** Sets one field ("rl.lr"); the value must already satisfy the field's own schema. */
export function setConfigValue(path: string, value: unknown): void {
  const [section, key] = path.split('.');
  const config = structuredClone(useLab.getState().config) as unknown as Record<
    string,
    Record<string, unknown>
  >;
  if (key === undefined) (config as Record<string, unknown>)[section] = value;
  else if (value === undefined) delete config[section][key];
  else config[section][key] = value;
  // An edit takes the setup over: the page no longer switches preset when the backend is known.
  useLab.setState({ config: config as unknown as RunConfig, presetSource: 'user' });
  syncUrl();
  scheduleLiveUpdate();
}

function teacherExtras(): TeacherExtras {
  const s = useLab.getState();
  return { apiKey: s.apiKey || undefined, prompt: s.prompt };
}

function teacherSettings(): TeacherSettings {
  return { teacher: useLab.getState().config.teacher, ...teacherExtras() };
}

/** Shows a pretrained folder's size and memory estimate (reads config.json only). */
export function inspectPretrained(source: PretrainedSource): void {
  useLab.setState({ pretrainedInfo: null });
  currentWorkerClient()?.inspectPretrained(source, useLab.getState().config.student);
}

/**
 * Loads a pretrained folder as the student, and points the config at it: student.source "hf",
 * student.hf the URL (or empty for picked files, i.e. "the loaded model").
 */
export function loadPretrained(source: PretrainedSource): void {
  const { config } = useLab.getState();
  const student = {
    ...config.student,
    source: 'hf' as const,
    hf: source.kind === 'url' ? source.url : '',
  };
  useLab.setState({ config: { ...config, student } });
  syncUrl();
  currentWorkerClient()?.loadPretrained(source);
}

/** Starts a run named for what sets it apart (runNames.ts; renamed in the run list). */
export function startRun(paused = false): void {
  const { config, preset } = useLab.getState();
  const problem = configProblem(config);
  if (problem) {
    useLab.setState((s) => ({ errors: [...s.errors, `Cannot start: ${problem}`] }));
    return;
  }
  currentWorkerClient()?.start(
    config,
    teacherExtras(),
    paused,
    describeRun(preset, config, Date.now()),
  );
}

/** Pauses after the step in flight; the page says so at once (pendingControl). */
export function pauseRun(): void {
  if (useLab.getState().progress.status !== 'running') return;
  useLab.setState({ pendingControl: 'pause' });
  currentWorkerClient()?.pause();
}

export function resumeRun(): void {
  useLab.setState({ pendingControl: null });
  currentWorkerClient()?.resume();
}

/** Space: pauses a running run, resumes a paused one. */
export function togglePause(): void {
  const { progress, pendingControl } = useLab.getState();
  if (pendingControl === 'stop') return;
  if (progress.status === 'running' && pendingControl !== 'pause') pauseRun();
  else if (progress.status === 'paused' || pendingControl === 'pause') resumeRun();
}

/** One step: of the paused run, or the first of a new run (which then waits paused). */
export function stepRun(): void {
  const { progress } = useLab.getState();
  if (progress.status === 'stopping') return;
  if (runActive()) {
    useLab.setState({ pendingControl: 'step' });
    currentWorkerClient()?.stepOnce();
  } else startRun(true);
}

/** Stops the run: the page says "stopping" at once; the worker cuts the rollout at its next token. */
export function stopRun(): void {
  if (!runActive()) return;
  useLab.setState({ pendingControl: 'stop' });
  currentWorkerClient()?.stop();
}

/** Shows a step in the inspector (null: follow the latest step). */
export function selectStep(step: number | null): void {
  useLab.setState({ inspectStep: step });
  const target = step ?? useLab.getState().stored?.steps.at(-1);
  if (target !== undefined) currentWorkerClient()?.inspect(target);
}

export function selectGroup(group: number): void {
  useLab.setState({ inspectGroup: group, inspectGroupPinned: true });
}

export function setColorMode(colorMode: ColorMode): void {
  useLab.setState({ colorMode });
}

export function setSmoothing(smoothing: number): void {
  useLab.setState({ smoothing });
}

export function exportSteps(step: number | 'all'): void {
  currentWorkerClient()?.exportSteps(step);
}

/** Replays one group of a kept step with edits, beside the original (counterfactualHost.ts). */
export function runCounterfactual(request: CounterfactualRequest): void {
  const id = currentWorkerClient()?.counterfactual(request);
  if (id !== undefined) counterfactualSent(id, request);
}

// ---- saved runs (the run list) ---------------------------------------------------------------

/** Continues a saved run from its last checkpoint (the current run, if another, stops). */
export function resumeSavedRun(runId: string): void {
  currentWorkerClient()?.resumeSavedRun(runId, teacherExtras());
}

export function renameSavedRun(runId: string, name: string): void {
  currentWorkerClient()?.renameRun(runId, name);
}

export function deleteSavedRun(runId: string): void {
  currentWorkerClient()?.deleteRun(runId);
}

export function exportSavedRun(runId: string): void {
  currentWorkerClient()?.exportRun(runId);
}

/** Reads a run bundle the user picked and hands it to the worker, which validates it. */
export async function importRunFile(file: File): Promise<void> {
  const bytes = await file.arrayBuffer();
  currentWorkerClient()?.importRun(file.name, bytes);
}

/** Puts a saved run's config into the editor (and the URL) for a new run. */
export function duplicateRunConfig(config: RunConfig): void {
  useLab.setState({ config: structuredClone(config) });
  syncUrl();
  scheduleLiveUpdate();
}

let teacherTimer: ReturnType<typeof setTimeout> | null = null;

/** Sends the teacher's key and prompt to a running run (debounced: typing a key is many edits). */
function pushTeacher(): void {
  if (!runActive()) return;
  if (teacherTimer) clearTimeout(teacherTimer);
  teacherTimer = setTimeout(() => {
    teacherTimer = null;
    if (runActive()) currentWorkerClient()?.setTeacher(teacherSettings());
  }, 400);
}

/** The API key lives in memory; in localStorage only while "remember" is ticked. */
export function setApiKey(apiKey: string): void {
  useLab.setState({ apiKey });
  if (useLab.getState().rememberKey) storeKey(apiKey);
  pushTeacher();
}

export function setRememberKey(rememberKey: boolean): void {
  useLab.setState({ rememberKey });
  storeKey(rememberKey ? useLab.getState().apiKey : '');
}

function storeKey(key: string): void {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: memory only
  }
}

export function setPrompt(prompt: TeacherPromptConfig): void {
  useLab.setState({ prompt });
  pushTeacher();
}

export function dismissErrors(): void {
  useLab.setState({ errors: [] });
}

export function testConnection(): void {
  currentWorkerClient()?.testConnection(teacherSettings());
}
