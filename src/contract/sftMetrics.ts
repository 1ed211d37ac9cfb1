/** One warm-up (SFT) update's metrics row. */
export interface SftStepMetrics {
  step: number;
  loss: number;
  lr: number;
  grad_norm: number;
  tokens: number;
  step_time: number;
  skipped: boolean;
}
