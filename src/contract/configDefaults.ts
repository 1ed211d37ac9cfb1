import { ALL_DOMAINS } from './domains';

/**
 * The value each optional field takes when a config leaves it out. The schema's help below
 * quotes these, and every reader falls back to them (`config.rl.maxNonFiniteSteps ??
 * OPTIONAL_DEFAULTS.rl.maxNonFiniteSteps`): one definition per field.
 */
export const OPTIONAL_DEFAULTS = {
  model: { positions: 'learned' },
  tokenizer: { splitDigits: false },
  data: { domains: ALL_DOMAINS, workedDetail: 'plain' },
  sft: { gradAccum: 1, selfCheckRate: 0 },
  rl: { maxNonFiniteSteps: 3, gradAccum: 1 },
  thinktuning: { prefixCredit: 'guided', droppedInNormaliser: true },
  teacher: { circuitFailures: 5, circuitCooldownMs: 30_000, stepDeadlineMs: 120_000 },
  student: { init: '' },
} as const;
