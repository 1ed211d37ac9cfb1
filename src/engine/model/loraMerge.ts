import * as tf from '@tensorflow/tfjs';

/** When a LoRA model folds its adapters into the base weights for cached decoding. */
export type MergeForDecoding = 'webgpu' | 'always' | 'never';

interface AdapterPair {
  a: tf.Tensor;
  b: tf.Tensor;
}

/** The buffer behind a tensor: a variable's changes when an optimizer assigns it a new value. */
const dataIdOf = (t: tf.Tensor): object => (t as unknown as { dataId: object }).dataId;

/**
 * LoRA folded into the frozen base weights for decoding with the KV cache:
 *
 *   W'^T = W^T + s A^T B^T          (W^T [in, out], A [r, in], B [out, r], s = alpha / r)
 *
 * so each adapted linear layer is one matmul, x W'^T, instead of five kernels (x W^T, x A^T, * s,
 * * B^T, +). On WebGPU a decoding step is bound by dispatches, not arithmetic (about 0.2 ms
 * each on an H200 through tfjs), and a Llama block with LoRA on its seven linears dispatches
 * about 75 kernels, 28 of them the adapters'. The merged weights cost one more copy of every
 * adapted weight, so they live only while a rollout decodes (`release` at its end) and are
 * rebuilt when any adapter's buffer changed (an optimizer step assigns new ones).
 */
export class MergedLora {
  private weights: Map<string, tf.Tensor2D> | null = null;
  private stamp: object[] = [];

  /**
   * The merged [in, out] weight of every adapted module path, (re)built when stale.
   * `base(path)` is the frozen W^T of that path.
   */
  get(
    pairs: ReadonlyMap<string, AdapterPair>,
    base: (path: string) => tf.Tensor2D,
    scale: number,
  ): ReadonlyMap<string, tf.Tensor2D> {
    const stamp = [...pairs.values()].flatMap((p) => [dataIdOf(p.a), dataIdOf(p.b)]);
    if (this.weights && stamp.every((id, i) => id === this.stamp[i])) return this.weights;
    this.release();
    const weights = new Map<string, tf.Tensor2D>();
    for (const [path, p] of pairs) {
      // W^T + s A^T B^T: [in, r] x [r, out]
      const w = tf.tidy(() =>
        base(path).add(tf.matMul(p.a as tf.Tensor2D, p.b as tf.Tensor2D, true, true).mul(scale)),
      ) as tf.Tensor2D;
      weights.set(path, tf.keep(w));
    }
    this.weights = weights;
    this.stamp = stamp;
    return weights;
  }

  /** Whether merged weights are held now. */
  get held(): boolean {
    return this.weights !== null;
  }

  release(): void {
    if (this.weights) for (const w of this.weights.values()) w.dispose();
    this.weights = null;
    this.stamp = [];
  }
}

/**
 * The most extra memory 'webgpu' spends on merged weights: SmolLM2-135M with LoRA on all seven
 * linears needs 425 MB and merges; Qwen2.5-0.5B would need 1.43 GB beside its 1.98 GB base,
 * too much for many laptop GPUs, and decodes with the adapters applied separately.
 */
export const MERGE_BUDGET_BYTES = 2 ** 30;

/** Whether `when` asks for merged decoding on `backend`, for merged weights of `bytes`. */
export function mergesOn(when: MergeForDecoding, backend: string, bytes: number): boolean {
  if (when === 'always') return true;
  return when === 'webgpu' && backend === 'webgpu' && bytes <= MERGE_BUDGET_BYTES;
}
