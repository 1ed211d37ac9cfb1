/**
 * Step → value schedules: the teacher selection rate (ThinkTuning) and the learning rate.
 * Steps are 0-based optimizer steps.
 */
import { lookupVariant } from './registry';

// ==== teacher selection rate ===================================================================

/** Names of the rate schedules (the reference's constant, linear, cosine, exp). */
export type RateScheduleName = 'constant' | 'linear' | 'cosine' | 'exponential';

/** Teacher selection-rate schedule. */
export interface TeacherScheduleConfig {
  name: RateScheduleName;
  /** Rate at step 0. Reference: 0.10. */
  initialRate: number;
  /** Rate reached at decaySteps and held after. Reference: 0.01. */
  minRate: number;
  /** Steps over which the rate decays (>= 1). Reference: a third of training. */
  decaySteps: number;
  /** The teacher is switched off while rate < offBelow (plain GRPO). Reference: 0.05. */
  offBelow: number;
}

/** Rate at progress u in [0, 1] (u = min(step / decaySteps, 1)) from `from` to `to`. */
export type RateCurve = (u: number, from: number, to: number) => number;

/** Floor the exponential curve uses when minRate is 0 (reference eps). */
export const EXPONENTIAL_FLOOR = 1e-8;

export const RATE_SCHEDULES: Record<RateScheduleName, RateCurve> = {
  // rate = from                                           (never decays)
  constant: (_u, from) => from,
  // rate = (1 - u) * from + u * to
  linear: (u, from, to) => (1 - u) * from + u * to,
  // rate = w * from + (1 - w) * to,  w = (1 + cos(pi u)) / 2
  cosine: (u, from, to) => {
    const w = 0.5 * (1 + Math.cos(Math.PI * u));
    return w * from + (1 - w) * to;
  },
  // rate = max(to, from * (max(to, 1e-8) / from)^u)       (geometric; exact `to` at u = 1)
  exponential: (u, from, to) =>
    u >= 1 ? to : Math.max(to, from * Math.pow(Math.max(to, EXPONENTIAL_FLOOR) / from, u)),
};

/** The reference recipe: linear 0.10 → 0.01 over the first third of training, off below 0.05. */
export function referenceTeacherSchedule(totalSteps: number): TeacherScheduleConfig {
  return {
    name: 'linear',
    initialRate: 0.1,
    minRate: 0.01,
    decaySteps: Math.max(1, Math.floor(totalSteps / 3)),
    offBelow: 0.05,
  };
}

/** Teacher rate at `step`, and whether the teacher is on (rate >= offBelow and rate > 0). */
export function teacherScheduleAt(
  step: number,
  cfg: TeacherScheduleConfig,
): { rate: number; active: boolean } {
  const curve = lookupVariant(RATE_SCHEDULES, 'teacher rate schedule', cfg.name);
  if (!(cfg.decaySteps >= 1)) throw new Error(`decaySteps must be >= 1, got ${cfg.decaySteps}`);
  if (cfg.name === 'exponential' && !(cfg.initialRate > 0)) {
    throw new Error(`exponential schedule needs initialRate > 0, got ${cfg.initialRate}`);
  }
  const u = Math.min(Math.max(step / cfg.decaySteps, 0), 1);
  const rate = curve(u, cfg.initialRate, cfg.minRate);
  return { rate, active: rate > 0 && rate >= cfg.offBelow };
}

// ==== learning rate ============================================================================

/** Names of the learning-rate schedules. */
export type LrScheduleName = 'constant' | 'linear-warmup-cosine' | 'linear-warmup-linear-decay';

/** Learning-rate schedule. Every name starts with the same linear warmup. */
export interface LrScheduleConfig {
  name: LrScheduleName;
  /** Peak learning rate (after warmup). Reference: 1e-6, constant. */
  baseLr: number;
  /** Final learning rate of the decaying schedules (reached at totalSteps, held after). */
  minLr: number;
  /** Warmup steps: lr = baseLr * (step + 1) / warmupSteps for step < warmupSteps; 0 = none. */
  warmupSteps: number;
  /** Total optimizer steps; decay runs from warmupSteps to totalSteps. */
  totalSteps: number;
}

/** Post-warmup learning rate at decay progress u in [0, 1]. */
export type LrCurve = (u: number, baseLr: number, minLr: number) => number;

export const LR_SCHEDULES: Record<LrScheduleName, LrCurve> = {
  // lr = baseLr                                  (verl/HF constant-with-warmup)
  constant: (_u, base) => base,
  // lr = w * base + (1 - w) * min, w = (1 + cos(pi u)) / 2
  'linear-warmup-cosine': (u, base, min) => {
    const w = 0.5 * (1 + Math.cos(Math.PI * u));
    return w * base + (1 - w) * min;
  },
  // lr = (1 - u) * base + u * min
  'linear-warmup-linear-decay': (u, base, min) => (1 - u) * base + u * min,
};

/**
 * Learning rate at `step`. Warmup uses (step + 1) / warmupSteps (not step / warmupSteps as in
 * HF), so step 0 already trains. Decay progress u = (step - warmupSteps) / (totalSteps -
 * warmupSteps), clamped to [0, 1].
 */
export function learningRateAt(step: number, cfg: LrScheduleConfig): number {
  const curve = lookupVariant(LR_SCHEDULES, 'learning-rate schedule', cfg.name);
  if (!(cfg.warmupSteps >= 0)) throw new Error(`warmupSteps must be >= 0, got ${cfg.warmupSteps}`);
  if (step < cfg.warmupSteps) return (cfg.baseLr * (Math.max(step, 0) + 1)) / cfg.warmupSteps;
  const decaySteps = Math.max(1, cfg.totalSteps - cfg.warmupSteps);
  const u = Math.min(Math.max((step - cfg.warmupSteps) / decaySteps, 0), 1);
  return curve(u, cfg.baseLr, cfg.minLr);
}
