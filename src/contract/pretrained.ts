/** What loading a pretrained model reports: its progress and the memory it will take. */

export interface HfLoadProgress {
  phase: 'config' | 'download' | 'convert' | 'done';
  /** The file being read or converted. */
  file: string;
  /** Of the whole load, 0..1. */
  fraction: number;
  /** Bytes of `file` read so far and its size (null: unknown). */
  loaded?: number;
  total?: number | null;
}

export interface MemoryEstimate {
  parameters: number;
  /** Bytes of the weight files (parameters x the bytes of torch_dtype). */
  downloadBytes: number;
  /** The weights as float32 on the device. */
  weightBytes: number;
  trainableParameters: number;
  /** Adapters (LoRA) + gradients + AdamW moments of the trainable parameters. */
  trainingStateBytes: number;
  /** Activations kept for the backward pass, per token of a training batch. */
  activationBytesPerToken: number;
  /** weightBytes + trainingStateBytes: the floor before any batch. */
  totalBytes: number;
  /**
   * LoRA on WebGPU: while sampling, a float32 copy of every adapted weight with its adapter merged
   * in (engine/model/loraMerge.ts), held when it is at most 1 GiB (else the adapters run
   * separately and this is 0). Not in totalBytes: rollouts hold it, updates do not.
   */
  decodingMergeBytes: number;
}
