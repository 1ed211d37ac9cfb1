import { describe, expect, it } from 'vitest';
import { CHARTS, chartRows, ema } from './chartData';

describe('chart data', () => {
  it('EMA is debiased, identity at weight 0, and skips nulls', () => {
    expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = ema([2, null, 4], 0.5);
    expect(s[0]).toBeCloseTo(2);
    expect(s[1]).toBeNull();
    // (0.5*(0.5*2) + 0.5*4) / (1 - 0.25) = (0.5 + 2) / 0.75
    expect(s[2]).toBeCloseTo(2.5 / 0.75);
  });

  it('builds one row per step with raw values and the reward band', () => {
    const reward = CHARTS.find((c) => c.id === 'reward')!;
    const rows = chartRows(
      reward,
      [
        { step: 1, reward: 0.5, reward_std: 0.1, 'thinktuning/guided_count': 0 },
        {
          step: 2,
          reward: 1,
          reward_std: 0.5,
          'thinktuning/guided_count': 1,
          'thinktuning/guided_reward_mean': 1,
          'thinktuning/unguided_reward_mean': 0.2,
        },
      ],
      0,
    );
    expect(rows.map((r) => r.step)).toEqual([1, 2]);
    expect(rows[0].guided).toBeNull(); // no guided rollout: a gap, not a zero
    expect(rows[1].guided).toBe(1);
    expect(rows[1]['raw:unguided']).toBe(0.2);
    expect(rows[0].reward_band).toEqual([0.4, 0.6]);
  });
});
