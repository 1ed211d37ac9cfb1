/** The linear layers of one decoder layer, by their Hugging Face (and PEFT) module names. */
export const LLAMA_LINEAR_MODULES = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
] as const;
export type LlamaLinear = (typeof LLAMA_LINEAR_MODULES)[number];
