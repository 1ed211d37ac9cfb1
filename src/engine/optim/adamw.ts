import * as tf from '@tensorflow/tfjs';
import { webgpuAdamWUpdate, webgpuSumOfSquares } from '../backend/webgpu/adamwKernel';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (Loshchilov & Hutter, arXiv 1711.05101), applied to matrices only. */
  weightDecay: number;
  /** Clip the global gradient norm to this value (0 = off). */
  gradClip: number;
}

export const DEFAULT_ADAMW: AdamWOptions = {
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  gradClip: 1.0,
};

export interface StepReport {
  /** Global L2 norm of the gradient before clipping. */
  gradNorm: number;
  /** False when the gradient had a NaN/Inf: the update was skipped, weights unchanged. */
  applied: boolean;
}

/**
 * AdamW with global-norm clipping:
 *   g <- g * min(1, clip / ||g||);  m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2
 *   p <- p - lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) - lr * wd * p   (wd on rank>=2 only)
 * A non-finite gradient skips the whole update (and does not advance t).
 * On the webgpu backend the same math runs as fused kernels (src/engine/backend/webgpu/
 * adamwKernel.ts): the norm in ceil(P / 6) dispatches, each tensor's update in one; every other
 * backend runs the tfjs ops below.
 */
export class AdamW {
  private m: tf.Variable[];
  private v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly params: tf.Variable[],
    private readonly opts: AdamWOptions = DEFAULT_ADAMW,
  ) {
    this.m = tf.tidy(() => params.map((p) => tf.variable(tf.zerosLike(p), false)));
    this.v = tf.tidy(() => params.map((p) => tf.variable(tf.zerosLike(p), false)));
  }

  get stepCount(): number {
    return this.t;
  }

  /** Applies one update from gradients aligned with the params; disposes nothing it was given. */
  async apply(grads: tf.Tensor[], lr: number): Promise<StepReport> {
    const fused = tf.getBackend() === 'webgpu';
    const normT = fused
      ? webgpuSumOfSquares(grads) // ||g||^2; the square root is taken here, in f32
      : tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => g.square().sum()))));
    const read = (await normT.data())[0]; // one scalar readback per update
    normT.dispose();
    const gradNorm = fused ? Math.fround(Math.sqrt(read)) : read;
    if (!Number.isFinite(gradNorm)) return { gradNorm, applied: false };
    this.t += 1;
    const { beta1: b1, beta2: b2, eps, weightDecay, gradClip } = this.opts;
    const scale = gradClip > 0 && gradNorm > gradClip ? gradClip / gradNorm : 1;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = 1 - b2 ** this.t;
    if (fused) {
      this.params.forEach((p, i) =>
        webgpuAdamWUpdate(p, grads[i], this.m[i], this.v[i], {
          ...{ scale, beta1: b1, beta2: b2, bc1, bc2, eps, lr },
          lrWd: weightDecay > 0 && p.rank >= 2 ? lr * weightDecay : 0,
        }),
      );
      return { gradNorm, applied: true };
    }
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = scale === 1 ? grads[i] : grads[i].mul(scale);
        const m = this.m[i].mul(b1).add(g.mul(1 - b1));
        const v = this.v[i].mul(b2).add(g.square().mul(1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let upd = m.div(bc1).div(v.div(bc2).sqrt().add(eps)).mul(lr);
        if (weightDecay > 0 && p.rank >= 2) upd = upd.add(p.mul(lr * weightDecay));
        p.assign(p.sub(upd));
      });
    });
    return { gradNorm, applied: true };
  }

  /** Moments and step count, for checkpoints. */
  async state(): Promise<{ t: number; m: Float32Array[]; v: Float32Array[] }> {
    return {
      t: this.t,
      m: await Promise.all(this.m.map(async (x) => (await x.data()) as Float32Array)),
      v: await Promise.all(this.v.map(async (x) => (await x.data()) as Float32Array)),
    };
  }

  restore(s: { t: number; m: Float32Array[]; v: Float32Array[] }): void {
    this.t = s.t;
    tf.tidy(() => {
      s.m.forEach((d, i) => this.m[i].assign(tf.tensor(d, this.m[i].shape)));
      s.v.forEach((d, i) => this.v[i].assign(tf.tensor(d, this.v[i].shape)));
    });
  }

  dispose(): void {
    [...this.m, ...this.v].forEach((x) => x.dispose());
  }
}
