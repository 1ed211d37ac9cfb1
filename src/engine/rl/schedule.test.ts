import { describe, expect, it } from 'vitest';
import {
  type LrScheduleConfig,
  type TeacherScheduleConfig,
  learningRateAt,
  referenceTeacherSchedule,
  teacherScheduleAt,
} from './schedule';

const teacher = (over: Partial<TeacherScheduleConfig>): TeacherScheduleConfig => ({
  name: 'linear',
  initialRate: 0.1,
  minRate: 0.01,
  decaySteps: 10,
  offBelow: 0.05,
  ...over,
});
const rate = (step: number, over: Partial<TeacherScheduleConfig>) =>
  teacherScheduleAt(step, teacher(over)).rate;

describe('teacher rate schedules (0.10 → 0.01 over T = 10 steps)', () => {
  it('constant stays at the initial rate', () => {
    for (const s of [0, 5, 10, 50]) expect(rate(s, { name: 'constant' })).toBe(0.1);
  });

  it('linear: 0.1, 0.055 at T/2, 0.01 at T and after', () => {
    expect(rate(0, {})).toBe(0.1);
    expect(rate(5, {})).toBeCloseTo(0.055, 12);
    expect(rate(10, {})).toBe(0.01);
    expect(rate(25, {})).toBe(0.01);
  });

  it('cosine: 0.1, 0.055 at T/2 (cos(pi/2) = 0), 0.01 at T and after', () => {
    expect(rate(0, { name: 'cosine' })).toBe(0.1);
    expect(rate(5, { name: 'cosine' })).toBeCloseTo(0.055, 12);
    expect(rate(10, { name: 'cosine' })).toBe(0.01);
    expect(rate(99, { name: 'cosine' })).toBe(0.01);
  });

  it('exponential: geometric, 0.1 * 0.1^0.5 = 0.0316228 at T/2', () => {
    expect(rate(0, { name: 'exponential' })).toBe(0.1);
    expect(rate(5, { name: 'exponential' })).toBeCloseTo(0.0316228, 7);
    expect(rate(10, { name: 'exponential' })).toBe(0.01);
    expect(rate(11, { name: 'exponential' })).toBe(0.01);
    // minRate 0 uses the 1e-8 floor: 0.1 * (1e-7)^0.5 = 3.16228e-5 at T/2, 0 at T
    expect(rate(5, { name: 'exponential', minRate: 0 })).toBeCloseTo(3.16228e-5, 9);
    expect(rate(10, { name: 'exponential', minRate: 0 })).toBe(0);
  });

  it('switches the teacher off below the threshold', () => {
    expect(teacherScheduleAt(5, teacher({})).active).toBe(true); // 0.055 >= 0.05
    expect(teacherScheduleAt(6, teacher({})).active).toBe(false); // 0.046 < 0.05
    expect(teacherScheduleAt(5, teacher({ name: 'exponential' })).active).toBe(false);
  });

  it('reference: linear over the first third, off below 0.05', () => {
    const cfg = referenceTeacherSchedule(58); // decaySteps = floor(58/3) = 19
    expect(cfg.decaySteps).toBe(19);
    expect(teacherScheduleAt(0, cfg)).toEqual({ rate: 0.1, active: true });
    // step 10: 0.1 - 0.09 * 10/19 = 0.0526316 (on); step 11: 0.0478947 (off)
    expect(teacherScheduleAt(10, cfg).rate).toBeCloseTo(0.0526316, 7);
    expect(teacherScheduleAt(10, cfg).active).toBe(true);
    expect(teacherScheduleAt(11, cfg).active).toBe(false);
    expect(teacherScheduleAt(58, cfg).rate).toBe(0.01);
  });

  it('rejects unknown names', () => {
    expect(() =>
      teacherScheduleAt(0, teacher({ name: 'step' as TeacherScheduleConfig['name'] })),
    ).toThrow('Unknown teacher rate schedule "step"; valid: constant, linear, cosine, exponential');
  });
});

describe('learning-rate schedules (base 1e-3, min 1e-4, warmup 10, total 110)', () => {
  const lr = (step: number, name: LrScheduleConfig['name'], warmupSteps = 10) =>
    learningRateAt(step, { name, baseLr: 1e-3, minLr: 1e-4, warmupSteps, totalSteps: 110 });

  it('linear warmup: base * (step + 1) / warmup', () => {
    for (const name of [
      'constant',
      'linear-warmup-cosine',
      'linear-warmup-linear-decay',
    ] as const) {
      expect(lr(0, name)).toBeCloseTo(1e-4, 12);
      expect(lr(9, name)).toBeCloseTo(1e-3, 12);
      expect(lr(10, name)).toBeCloseTo(1e-3, 12);
    }
  });

  it('constant holds the base rate', () => {
    expect(lr(60, 'constant')).toBe(1e-3);
    expect(lr(500, 'constant')).toBe(1e-3);
    expect(lr(0, 'constant', 0)).toBe(1e-3); // no warmup
  });

  it('cosine: midpoint 5.5e-4, min at T and after', () => {
    expect(lr(60, 'linear-warmup-cosine')).toBeCloseTo(5.5e-4, 12);
    expect(lr(110, 'linear-warmup-cosine')).toBeCloseTo(1e-4, 12);
    expect(lr(500, 'linear-warmup-cosine')).toBeCloseTo(1e-4, 12);
  });

  it('linear decay: midpoint 5.5e-4, min at T and after', () => {
    expect(lr(60, 'linear-warmup-linear-decay')).toBeCloseTo(5.5e-4, 12);
    expect(lr(35, 'linear-warmup-linear-decay')).toBeCloseTo(7.75e-4, 12); // u = 0.25
    expect(lr(110, 'linear-warmup-linear-decay')).toBe(1e-4);
    expect(lr(200, 'linear-warmup-linear-decay')).toBe(1e-4);
  });
});
