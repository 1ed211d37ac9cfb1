/** The comparison's methods and the row each gets in the results table (pure types and names). */

/** The paper's rows, in its order (THINKTUNING.md "Main table"). */
export const METHODS = ['zero-shot', 'sft', 'star', 'grpo', 'thinktuning'] as const;
export type Method = (typeof METHODS)[number];

export const METHOD_LABELS: Readonly<Record<Method, string>> = {
  'zero-shot': 'Zero-shot (warm-up)',
  sft: 'SFT',
  star: 'STaR',
  grpo: 'GRPO',
  thinktuning: 'ThinkTuning',
};

/** The name an arm's run gets: "GRPO · comparison 14:05 · seed 1". */
export function comparisonArmName(method: Method, label: string, seed: number): string {
  return `${METHOD_LABELS[method]} · ${label} · seed ${seed}`;
}

/** One method's greedy evaluation. Rates are in [0, 1]. */
export interface ResultsRow {
  method: Method;
  label: string;
  /** Greedy accuracy per task source (sourceLabel), over that source's questions. */
  accuracy: Record<string, number>;
  /** Greedy accuracy over every question. */
  overall: number;
  questions: number;
  /** mean_i tokens_i of the greedy responses. */
  meanTokens: number;
  /** mean_i [ended_i && one \boxed{}]. */
  formatRate: number;
  /** mean_i [count(phrase) == 1]; null when the config sets no catchphrase. */
  catchphraseRate: number | null;
  reflectionRate: number;
  /** Seconds this arm trained (0 for zero-shot). */
  trainSeconds: number;
}
