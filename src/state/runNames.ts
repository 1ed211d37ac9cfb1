/**
 * A run's default name: what sets it apart from the other runs of the list. Pure functions.
 *
 *   "tiny · ThinkTuning · seed 1 · lr=0.001, groupSize=8, model.dModel=32 · 14:05"
 *
 * The preset, the algorithm, the seed, the settings changed from the preset (the first three,
 * then "+N more"; rl.* without their section; the teacher's settings left out) and the start
 * time. The user
 * renames a run in the run list; the compare view uses the same name.
 */
import type { RunConfig } from '../contract/config';
import { presetConfig } from '../contract/presets';
import { changedFields } from '../contract/liveConfig';

/** Settings named elsewhere in the name, or that say nothing about the run's training. */
const LEFT_OUT = new Set(['seed', 'rl.algo']);
const LEFT_OUT_SECTIONS = ['teacher.'];
const SHOWN_CHANGES = 3;
/** The RL settings first (what an RL comparison varies), then the rest in schema order. */
const SECTION_ORDER = ['rl.', 'thinktuning.', 'reward.', 'student.'];

const ALGO_LABEL: Record<RunConfig['rl']['algo'], string> = {
  grpo: 'GRPO',
  thinktuning: 'ThinkTuning',
};

/** A setting's value, short ("0.001", "cosine", "[1,2]", "scratch"). */
function short(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'number') return String(Number(v.toPrecision(4)));
  return JSON.stringify(v) ?? String(v);
}

function valueAt(c: RunConfig, path: string): unknown {
  const [section, key] = path.split('.');
  const s = (c as unknown as Record<string, unknown>)[section];
  return key === undefined ? s : (s as Record<string, unknown> | undefined)?.[key];
}

/** The settings of `config` that differ from its preset's, as "key=value" (short keys). */
export function changedSettings(preset: string, config: RunConfig): string[] {
  let base: RunConfig;
  try {
    base = presetConfig(preset);
  } catch {
    return [];
  }
  const rank = (p: string) => SECTION_ORDER.findIndex((s) => p.startsWith(s)) >>> 0;
  return changedFields(base, config)
    .filter((p) => !LEFT_OUT.has(p) && !LEFT_OUT_SECTIONS.some((s) => p.startsWith(s)))
    .sort((a, b) => rank(a) - rank(b))
    .map((p) => {
      if (p === 'student.init' && !config.student.init) return 'warm-up from scratch';
      // rl.* settings are the ones most often changed: named without their section.
      const key = p.startsWith('rl.') ? p.slice(3) : p;
      return `${key}=${short(valueAt(config, p))}`;
    });
}

/** "14:05" in the viewer's time zone. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The default name of a run started now from `preset` with `config` (see the top). */
export function describeRun(preset: string, config: RunConfig, startedAt: number): string {
  const changes = changedSettings(preset, config);
  const shown = changes.slice(0, SHOWN_CHANGES).join(', ');
  const more = changes.length > SHOWN_CHANGES ? ` +${changes.length - SHOWN_CHANGES} more` : '';
  return [
    preset,
    ALGO_LABEL[config.rl.algo],
    `seed ${config.seed}`,
    ...(shown ? [shown + more] : []),
    clockTime(startedAt),
  ].join(' · ');
}
