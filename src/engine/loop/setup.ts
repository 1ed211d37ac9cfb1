import { OPTIONAL_DEFAULTS } from '../../contract/configDefaults';
import type { RunConfig } from '../../contract/config';
import { DEFAULT_THINKTUNING_LOSS_CONFIG, type ThinkTuningLossConfig } from '../rl/losses';
import type { RewardSpec } from '../tasks/rewards';

/** The reward spec a run's config asks for (terms with weight 0 are left out). */
export function rewardSpecFromConfig(c: RunConfig): RewardSpec {
  const spec: Array<RewardSpec[number]> = [
    { name: 'correctness', weight: 1, params: { requireEnded: c.reward.requireEos } },
  ];
  if (c.reward.format > 0) spec.push({ name: 'format', weight: c.reward.format });
  if (c.reward.lengthPenalty > 0)
    spec.push({
      name: 'lengthPenalty',
      weight: c.reward.lengthPenalty,
      params: { maxLength: c.rl.maxNewTokens },
    });
  if (c.reward.catchphrase) {
    spec.push({
      name: 'catchphraseBonus',
      weight: c.reward.catchphraseBonus,
      params: { phrase: c.reward.catchphrase },
    });
  }
  return spec;
}

/** The loss settings of a run (rl + thinktuning sections). */
export function lossConfigFromConfig(c: RunConfig): ThinkTuningLossConfig {
  return {
    ...DEFAULT_THINKTUNING_LOSS_CONFIG,
    clipEpsLow: c.rl.epsLow,
    clipEpsHigh: c.rl.epsHigh,
    dualClipC: c.rl.dualClip,
    shaping: c.thinktuning.shaping,
    gammaScale: c.thinktuning.gammaScale,
    lowConfidenceTau: c.thinktuning.lowConfidenceTau,
    lowConfidenceHandling: c.thinktuning.lowConfidenceHandling,
    droppedInNormaliser:
      c.thinktuning.droppedInNormaliser ?? OPTIONAL_DEFAULTS.thinktuning.droppedInNormaliser,
    aggregation: c.rl.aggregation,
    maxResponseLength: c.rl.maxNewTokens,
    klBeta: c.rl.klBeta,
    entropyCoef: c.rl.entropyCoef,
  };
}
