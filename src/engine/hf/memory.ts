/**
 * What a pretrained model will cost, from config.json alone (shown before anything large is
 * downloaded). Weights are held as float32 whatever the file's dtype; training adds, per
 * trainable parameter, its gradient and AdamW's two moments (3 more float32 values); a forward
 * pass for training keeps about `activationFloatsPerToken` float32 values per token.
 */
import type { MemoryEstimate } from '../../contract/pretrained';
import { llamaParameterCount, type LlamaConfig } from '../model/llamaConfig';
import { loraParameterCount, loraTensorList, type LoraOptions } from '../model/lora';
import { MERGE_BUDGET_BYTES } from '../model/loraMerge';

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
};

/** Bytes per parameter of a config.json torch_dtype (2 when unknown: the Hub's usual bf16). */
export function dtypeBytes(torchDtype: string | undefined): number {
  return DTYPE_BYTES[torchDtype ?? ''] ?? 2;
}

export function estimateMemory(
  c: LlamaConfig,
  o: { torchDtype?: string; lora: Pick<LoraOptions, 'rank' | 'targetModules'> | null },
): MemoryEstimate {
  const parameters = llamaParameterCount(c);
  const trainable = o.lora ? loraParameterCount(c, o.lora) : parameters;
  const adapters = o.lora ? trainable * 4 : 0;
  const trainingStateBytes = adapters + trainable * 3 * 4;
  // Per block and token: norms, q/k/v/o, attention output, gate/up/act (~ 6 hidden + 3 MLP
  // widths). Full fine-tuning keeps every block's, plus the logits and their softmax (2 vocab).
  // LoRA checkpoints the blocks (llama.ts checkpointedLayer): every block's input (1 hidden)
  // and one block's activations while it is recomputed; its frozen head scores in 32 MB row
  // chunks (fusedOps.frozenHeadScores): no per-token logits.
  const block = 6 * c.hidden + 3 * c.intermediate;
  const perToken = o.lora ? c.layers * c.hidden + block : c.layers * block + 2 * c.vocab;
  const weightBytes = parameters * 4;
  // merged decoding weights: in x out floats per adapted linear (A [r, in] is listed before B [out, r])
  const list = o.lora ? loraTensorList(c, o.lora) : [];
  let merged = 0;
  for (let i = 0; i + 1 < list.length; i += 2) merged += 4 * list[i][2][1] * list[i + 1][2][0];
  return {
    parameters,
    downloadBytes: parameters * dtypeBytes(o.torchDtype),
    weightBytes,
    trainableParameters: trainable,
    trainingStateBytes,
    activationBytesPerToken: perToken * 4,
    totalBytes: weightBytes + trainingStateBytes,
    decodingMergeBytes: merged <= MERGE_BUDGET_BYTES ? merged : 0,
  };
}
