/**
 * Plain-loop reference of `thinkTuningLoss` (numbers in, numbers out, float64), written
 * independently of the tensor code so tests can compare the two (verl/minGPT habit).
 * It also returns the analytic gradient of the aggregated loss with respect to logp.
 */
import type { ThinkTuningLossConfig } from './losses';

/** Inputs as nested arrays: [N][T] (advantages [N]). */
export interface LoopLossInputs {
  logp: number[][];
  oldLogp: number[][];
  advantages: number[];
  responseMask: number[][];
  offPolicyMask: number[][];
  refLogp?: number[][];
  entropy?: number[][];
  config: ThinkTuningLossConfig;
}

/** Outputs of the loop reference. */
export interface LoopLossOutput {
  perTokenLoss: number[][];
  effectiveMask: number[][];
  /** d(per-token loss)/d logp for each token. */
  tokenGrad: number[][];
  /** Aggregated loss. */
  loss: number;
  /** d loss / d logp. */
  grad: number[][];
}

interface TokenResult {
  loss: number;
  grad: number;
  effective: boolean;
}

function ppoToken(logp: number, old: number, a: number, cfg: ThinkTuningLossConfig): TokenResult {
  const r = Math.exp(Math.min(Math.max(logp - old, -20), 20));
  const lo = 1 - cfg.clipEpsLow;
  const hi = 1 + cfg.clipEpsHigh;
  const unclipped = -a * r;
  const clipped = -a * Math.min(Math.max(r, lo), hi);
  let loss = Math.max(unclipped, clipped);
  // gradient flows only through the unclipped term and only when it is the max
  let grad = unclipped >= clipped ? -a * r : 0;
  if (cfg.dualClipC !== null && a < 0) {
    const cap = -cfg.dualClipC * a;
    if (loss > cap) {
      loss = cap;
      grad = 0;
    }
  }
  return { loss, grad, effective: true };
}

function shapedToken(logp: number, a: number, cfg: ThinkTuningLossConfig): TokenResult {
  const p = Math.exp(logp);
  if (cfg.shaping === 'luffy') {
    const g = cfg.luffyGamma;
    return { loss: (-a * p) / (p + g), grad: (-a * g * p) / ((p + g) * (p + g)), effective: true };
  }
  let gamma = cfg.shaping === 'reference-as-coded' ? cfg.referenceGamma : cfg.gammaScale * a;
  if (cfg.shaping === 'thinktuning' && cfg.gammaLimit !== null) {
    gamma = Math.min(Math.max(gamma, -cfg.gammaLimit), cfg.gammaLimit);
  }
  let d = p + gamma;
  if (d <= 0) d = p / 1.0001;
  else if (d > 1) d = p / 0.9999;
  // L = -A p / d with d constant → dL/dlogp = -A p / d
  return { loss: (-a * p) / d, grad: (-a * p) / d, effective: true };
}

/** The loop reference of thinkTuningLoss. */
export function thinkTuningLossLoop(inputs: LoopLossInputs): LoopLossOutput {
  const cfg = inputs.config;
  const n = inputs.logp.length;
  const t = n > 0 ? inputs.logp[0].length : 0;
  const perTokenLoss: number[][] = [];
  const effectiveMask: number[][] = [];
  const tokenGrad: number[][] = [];
  for (let i = 0; i < n; i++) {
    perTokenLoss.push([]);
    effectiveMask.push([]);
    tokenGrad.push([]);
    for (let j = 0; j < t; j++) {
      const a = inputs.advantages[i];
      const logp = inputs.logp[i][j];
      let res: TokenResult = { loss: 0, grad: 0, effective: false };
      if (inputs.responseMask[i][j] > 0) {
        const teacher = inputs.offPolicyMask[i][j] > 0;
        const lowConf = teacher && a < 0 && Math.exp(logp) < cfg.lowConfidenceTau;
        if (teacher && !lowConf) res = shapedToken(logp, a, cfg);
        else if (!teacher || cfg.lowConfidenceHandling === 'ppo') {
          res = ppoToken(logp, inputs.oldLogp[i][j], a, cfg);
        }
        if (res.effective && cfg.klBeta > 0 && inputs.refLogp) {
          const dlt = inputs.refLogp[i][j] - logp;
          res.loss += cfg.klBeta * (Math.exp(dlt) - dlt - 1);
          res.grad += cfg.klBeta * (1 - Math.exp(dlt));
        }
        if (res.effective && cfg.entropyCoef > 0 && inputs.entropy) {
          res.loss += -cfg.entropyCoef * inputs.entropy[i][j];
        }
      }
      perTokenLoss[i].push(res.effective ? res.loss : 0);
      effectiveMask[i].push(res.effective ? 1 : 0);
      tokenGrad[i].push(res.effective ? res.grad : 0);
    }
  }

  // aggregation: loss = sum_ij c_ij * L_ij, so grad_ij = c_ij * tokenGrad_ij
  const coef: number[][] = perTokenLoss.map((row) => row.map(() => 0));
  // the normaliser: every valid response token (reference, droppedInNormaliser) or effective ones
  const normaliser = cfg.droppedInNormaliser
    ? inputs.responseMask.map((row) => row.map((m) => (m > 0 ? 1 : 0)))
    : effectiveMask;
  const counts = normaliser.map((row) => row.reduce((s, m) => s + m, 0));
  const total = counts.reduce((s, c) => s + c, 0);
  const seqsWithTokens = counts.filter((c) => c > 0).length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) {
      if (!effectiveMask[i][j]) continue;
      if (cfg.aggregation === 'token-mean') coef[i][j] = 1 / total;
      else if (cfg.aggregation === 'seq-mean-token-mean') {
        coef[i][j] = 1 / (counts[i] * seqsWithTokens);
      } else coef[i][j] = 1 / (n * cfg.maxResponseLength);
    }
  }
  let loss = 0;
  const grad = coef.map((row, i) =>
    row.map((c, j) => {
      loss += c * perTokenLoss[i][j];
      return c * tokenGrad[i][j];
    }),
  );
  return { perTokenLoss, effectiveMask, tokenGrad, loss, grad };
}
