/**
 * Which config changes a running run can take, and which need a restart. One rule, used by the
 * worker (to apply changes) and the config panel (to label fields):
 *
 *   live    = read by the trainer afresh at every step: sampling, the learning-rate schedule,
 *             clipping and loss settings, the ThinkTuning schedule, the teacher, evaluation;
 *   restart = builds something once at the start: the student and its tokenizer (seed, model,
 *             tokenizer), its data and warm-up (data, sft), the optimizer (rl.weightDecay,
 *             rl.gradClip), the KL reference (rl.klBeta), the reward, the algorithm and the batch
 *             shape (rl.questionsPerStep, rl.groupSize).
 */
import type { RunConfig } from './config';

/** Sections whose every field is live. */
const LIVE_SECTIONS = new Set(['thinktuning', 'teacher', 'eval']);

/** Live fields of the rl section. */
const LIVE_RL = new Set([
  'steps',
  'temperature',
  'topP',
  'maxNewTokens',
  'lr',
  'minLr',
  'lrSchedule',
  'warmupSteps',
  'miniBatches',
  'gradAccum',
  'epochs',
  'advantage',
  'skipZeroSpread',
  'epsLow',
  'epsHigh',
  'dualClip',
  'entropyCoef',
  'aggregation',
  'evalEvery',
  'checkpointEvery',
  'maxNonFiniteSteps',
]);

/** True when a change of this field ("rl.lr") applies to a running run from its next step. */
export function isLiveField(path: string): boolean {
  const [section, key] = path.split('.');
  if (LIVE_SECTIONS.has(section)) return true;
  return section === 'rl' && key !== undefined && LIVE_RL.has(key);
}

type Leaf = unknown;
type Section = Record<string, Leaf>;

/** Dotted paths of the fields whose values differ between two configs (arrays by value). */
export function changedFields(a: RunConfig, b: RunConfig): string[] {
  const out: string[] = [];
  const ra = a as unknown as Record<string, Leaf>;
  const rb = b as unknown as Record<string, Leaf>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    const va = ra[k];
    const vb = rb[k];
    if (isSection(va) || isSection(vb)) {
      const sa = (isSection(va) ? va : {}) as Section;
      const sb = (isSection(vb) ? vb : {}) as Section;
      for (const f of new Set([...Object.keys(sa), ...Object.keys(sb)]))
        if (!sameValue(sa[f], sb[f])) out.push(`${k}.${f}`);
    } else if (!sameValue(va, vb)) out.push(k);
  }
  return out;
}

function isSection(v: Leaf): v is Section {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameValue(a: Leaf, b: Leaf): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Copies the live fields of `next` into `target` in place (the trainer holds `target`) and
 * lists what it applied and what would need a restart.
 */
export function applyLiveFields(
  target: RunConfig,
  next: RunConfig,
): { applied: string[]; needsRestart: string[] } {
  const applied: string[] = [];
  const needsRestart: string[] = [];
  for (const path of changedFields(target, next)) {
    if (!isLiveField(path)) {
      needsRestart.push(path);
      continue;
    }
    const [section, key] = path.split('.');
    const t = (target as unknown as Record<string, Section>)[section];
    const n = (next as unknown as Record<string, Section>)[section];
    if (key in n) t[key] = structuredClone(n[key]);
    else delete t[key];
    applied.push(path);
  }
  return { applied, needsRestart };
}
