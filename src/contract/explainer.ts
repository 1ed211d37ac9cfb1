/**
 * What the formula explainer (issue 19, part 1) shows for one token: the numbers the engine
 * exported for it (engine/loop/records.ts), so the page is a pure view and a saved run explains
 * after a reload. Types and pure helpers only: no tfjs, no engine runtime.
 */

/** Which term of the ThinkTuning loss a token got (engine/rl/losses.ts "token routing"). */
export type LossBranch =
  /** Student token: PPO clipped surrogate with dual clip. */
  | 'ppo'
  /** Teacher token: shaped off-policy term L = -A * p / (sg(p) + gamma). */
  | 'shaped'
  /** Teacher token with A < 0 and p < tau, handling 'drop': no loss, no gradient. */
  | 'dropped'
  /** Teacher token with A < 0 and p < tau, handling 'ppo': PPO against the old log-prob. */
  | 'routed-to-ppo'
  /** Not in the loss at all (prefix credit 'none', or a row left out of the update). */
  | 'not-in-loss';

/** Which case of the PPO surrogate fired (engine/rl/ppo-surrogate.ts). */
export type PpoCase = 'unclipped' | 'clipped-low' | 'clipped-high' | 'dual-clip';

/** Per-token numbers of the last update that used the token (its last epoch's mini-batch). */
export interface TokenExplain {
  branch: LossBranch;
  /** The PPO case for 'ppo' and 'routed-to-ppo' tokens, else null. */
  ppoCase: PpoCase | null;
  /** p = exp(logprob) at that update. */
  prob: number;
  /** gamma(A) of the shaping for 'shaped' tokens, else null. */
  gamma: number | null;
  /** The shaped denominator sg(p) + gamma left (0, 1] and the fallback replaced it. */
  fallback: boolean;
  /** The token's loss term (policy + beta*k3 - coef*H), 0 when dropped. */
  loss: number;
  /** d(aggregated loss) / d(token loss): 1/count for token-mean (from tf.grad of the aggregation). */
  aggWeight: number;
  /** aggWeight * loss: what the token adds to the mini-batch's aggregated loss. */
  contribution: number;
  /** d(aggregated mini-batch loss) / d logprob, by tf.grad through the engine's loss. */
  gradLogp: number;
  /** The mini-batch (0-based) of the last epoch that held the token's row. */
  miniBatch: number;
  /** That mini-batch's aggregated loss (the scalar the optimizer minimised). */
  batchLoss: number;
}

/** Loss settings a trajectory was trained with (a copy of ThinkTuningLossConfig's fields). */
export interface ExplainLossSettings {
  clipEpsLow: number;
  clipEpsHigh: number;
  dualClipC: number | null;
  shaping: 'thinktuning' | 'luffy' | 'reference-as-coded';
  gammaScale: number;
  gammaLimit: number | null;
  referenceGamma: number;
  luffyGamma: number;
  lowConfidenceTau: number;
  lowConfidenceHandling: 'drop' | 'ppo';
  droppedInNormaliser: boolean;
  aggregation: 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum-norm';
  maxResponseLength: number;
  klBeta: number;
  entropyCoef: number;
}

/** How a trajectory's group produced its advantage, and the loss it was trained with. */
export interface TrajectoryExplain {
  /** The group's rewards, in rollout order (guided members' rewards included). */
  groupRewards: number[];
  groupMean: number;
  /** Unbiased std (n - 1) of the group's rewards. */
  groupStd: number;
  /** Unbiased std over the batch's rewards (the 'batch-std' divisor). */
  batchStd: number;
  advantageMode: 'group-std' | 'group-mean' | 'batch-std';
  epsilon: number;
  /** thinktuning.prefixCredit: what the student's prefix of a guided trajectory gets. */
  prefixCredit: 'guided' | 'own' | 'none';
  epochs: number;
  miniBatches: number;
  loss: ExplainLossSettings;
}

/** The fields of a token record the explainer reads (the engine's TokenRecord has them all). */
export interface ExplainedToken {
  text: string;
  part: string;
  logprob: number;
  oldLogprob: number;
  ratio: number;
  advantage: number;
  weight: number;
  explain?: TokenExplain;
}

/** The fields of a trajectory the explainer reads (the engine's Trajectory has them all). */
export interface ExplainedTrajectory {
  index: number;
  guided: boolean;
  reward: number;
  advantage: number;
  explain?: TrajectoryExplain;
  tokens: ExplainedToken[];
}

/** gamma(A) of the off-policy shaping (engine/rl/off-policy-shaping.ts), in float64. */
export function shapingGamma(s: ExplainLossSettings, advantage: number): number {
  if (s.shaping === 'reference-as-coded') return s.referenceGamma; // constant gamma
  if (s.shaping === 'luffy') return s.luffyGamma; // f(p) = p / (p + gamma), no stop-gradient
  const g = s.gammaScale * advantage; // gamma(A) = gammaScale * A
  return s.gammaLimit === null ? g : Math.min(Math.max(g, -s.gammaLimit), s.gammaLimit);
}

/** The advantage formula of a mode, with the group's numbers filled in. */
export function advantageFormula(e: TrajectoryExplain, reward: number): string {
  const f = (x: number) => fmt(x);
  if (e.groupRewards.every((r) => r === e.groupRewards[0]))
    return `all rewards equal (zero spread) → A = 0`;
  if (e.advantageMode === 'group-mean') return `A = r − mean = ${f(reward)} − ${f(e.groupMean)}`;
  const std = e.advantageMode === 'batch-std' ? e.batchStd : e.groupStd;
  const name = e.advantageMode === 'batch-std' ? 'std_batch' : 'std';
  return `A = (r − mean) / (${name} + ε) = (${f(reward)} − ${f(e.groupMean)}) / (${f(std)} + ${e.epsilon})`;
}

/** A number for the explainer: 6 significant digits, exponent form when tiny or huge. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-4 || a >= 1e6 ? x.toExponential(4) : String(Number(x.toPrecision(6)));
}
