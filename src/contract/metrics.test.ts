import { describe, expect, it } from 'vitest';
import {
  EVAL_METRIC_NAMES,
  RL_STEP_METRIC_NAMES,
  STAR_METRIC_NAMES,
  rewardComponentMetric,
  teacherFailureMetric,
  type StepMetrics,
} from './metrics';

describe('metric names', () => {
  it('are typed: a misspelt name does not compile (checked by tsc)', () => {
    const m: StepMetrics = { step: 1, 'thinktuning/guided_count': 2 };
    // @ts-expect-error 'thinktuning/guided_cout' is not a metric name
    m['thinktuning/guided_cout'] = 3;
    m[teacherFailureMetric('timeout')] = 1;
    m[rewardComponentMetric('format')] = 0.5;
    expect(m['thinktuning/teacher_failures/timeout']).toBe(1);
    expect(m['rewards/format/mean']).toBe(0.5);
  });

  it('are listed once each', () => {
    const all = [...RL_STEP_METRIC_NAMES, ...EVAL_METRIC_NAMES, ...STAR_METRIC_NAMES];
    expect(new Set(all).size).toBe(all.length);
  });
});
