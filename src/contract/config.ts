import { z } from 'zod';
import { LLAMA_LINEAR_MODULES } from './llamaModules';
import { SHIPPED_STUDENT_NAMES } from './students';
import { OPTIONAL_DEFAULTS } from './configDefaults';
import { ALL_DOMAINS, type Domain } from './domains';

// No eval: zod would otherwise probe `new Function` to compile fast parsers, which the lab's
// Content-Security-Policy refuses (and reports as a violation even though zod catches it).
z.config({ jitless: true });

/**
 * One validated schema for a run, shared by the worker, the CLI and the UI's config panel.
 * Every field has a default in a preset; `--set a.b=value` overrides one field.
 */

const D = OPTIONAL_DEFAULTS;

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const num = (min: number, max: number) => z.number().min(min).max(max);

export const ModelSchema = z.strictObject({
  dModel: int(8, 2048).describe('Width of the residual stream'),
  layers: int(1, 48).describe('Transformer blocks'),
  heads: int(1, 64).describe('Attention heads (must divide dModel)'),
  context: int(16, 8192).describe('Longest prompt + response in tokens'),
  mlpRatio: int(1, 8).describe('MLP width / dModel'),
  positions: z
    .enum(['learned', 'rope'])
    .optional()
    .describe('Position signal: learned absolute embeddings (default) or rotary (relative)'),
});

/** The `model` section: the student transformer's shape (engine/model/config.ts adds vocab). */
export type ModelShape = z.infer<typeof ModelSchema>;

export const TokenizerSchema = z.strictObject({
  kind: z.enum(['char', 'bpe']).describe('Character-level or byte-level BPE'),
  vocabSize: int(64, 65536).describe('BPE only: target vocabulary size'),
  splitDigits: z
    .boolean()
    .optional()
    .describe(`BPE only: one token per digit (default ${D.tokenizer.splitDigits})`),
});

export const DataSchema = z.strictObject({
  source: z.enum(['generated', 'multiple-choice', 'gsm8k']).describe('Where questions come from'),
  levels: z.array(int(1, 8)).min(1).describe('Generated problems: steps per problem to draw from'),
  domains: z
    .array(z.enum(ALL_DOMAINS as [Domain, ...Domain[]]))
    .min(1)
    .optional()
    .describe('Generated problems: domains to draw from (default all)'),
  trainSize: int(1, 1_000_000).describe('Training questions'),
  evalSize: int(1, 100_000).describe('Held-out questions for evaluation'),
  gsm8kTrain: z.string().describe('GSM8K train JSONL: file path (CLI) or URL'),
  gsm8kEval: z.string().describe('GSM8K test JSONL: file path (CLI) or URL'),
  promptSuffix: z.string().max(2000).describe('Appended to every question'),
  workedDetail: z
    .enum(['plain', 'place-value'])
    .optional()
    .describe(
      `Generated problems: worked steps as the bare equation (default ${D.data.workedDetail}) or a place-value chain ("37 + 8 = 30 + 15 = 45")`,
    ),
});

export const SftSchema = z.strictObject({
  steps: int(0, 1_000_000).describe('Warm-up SFT updates (0 = skip)'),
  batchSize: int(1, 4096).describe('Examples per warm-up update'),
  lr: num(0, 1).describe('Warm-up peak learning rate'),
  minLr: num(0, 1).describe('Warm-up learning rate at the end of the cosine decay'),
  warmupSteps: int(0, 1_000_000).describe('Steps of linear learning-rate warm-up'),
  weightDecay: num(0, 1).describe('AdamW decoupled weight decay'),
  gradClip: num(0, 1e6).describe('Global gradient-norm clip'),
  gradAccum: int(1, 1024)
    .optional()
    .describe(
      `Micro-batches per update: same update, ~1/k the memory (default ${D.sft.gradAccum})`,
    ),
  selfCheckRate: num(0, 1)
    .optional()
    .describe(
      `Share of warm-up solutions that re-check their answer after \\boxed{} and box it again (default ${D.sft.selfCheckRate})`,
    ),
});

export const EvalSchema = z.strictObject({
  size: int(1, 100_000).describe('Questions per evaluation'),
  samples: int(1, 64).describe('k samples per question for sampled pass@1'),
  temperature: num(0, 5).describe('Temperature of the sampled evaluation'),
  maxNewTokens: int(1, 8192).describe('Longest evaluation response'),
});

export const RlSchema = z.strictObject({
  algo: z.enum(['grpo', 'thinktuning']).describe('GRPO, or ThinkTuning (GRPO with a teacher)'),
  steps: int(0, 1_000_000).describe('RL steps after warm-up'),
  questionsPerStep: int(1, 4096).describe('B: questions per step'),
  groupSize: int(1, 256).describe('G: rollouts per question'),
  temperature: num(0, 5).describe('Rollout sampling temperature'),
  topP: num(0.001, 1).describe('Rollout nucleus (top-p) sampling'),
  maxNewTokens: int(1, 8192).describe('Longest rollout; longer ones are truncated'),
  lr: num(0, 1).describe('RL learning rate'),
  minLr: num(0, 1).describe('Learning rate at the end of a decaying schedule'),
  lrSchedule: z
    .enum(['constant', 'linear-warmup-cosine', 'linear-warmup-linear-decay'])
    .describe('Learning-rate schedule over the RL steps'),
  warmupSteps: int(0, 1_000_000).describe('Steps of linear learning-rate warm-up'),
  weightDecay: num(0, 1).describe('AdamW decoupled weight decay'),
  gradClip: num(0, 1e6).describe('Global gradient-norm clip'),
  miniBatches: int(1, 1024).describe('Updates per step = miniBatches x epochs'),
  gradAccum: int(1, 1024)
    .optional()
    .describe(
      `Micro-batches per update: the same update (one optimizer step) in ~1/k the memory; on WASM at least as many as fit the heap (default ${D.rl.gradAccum})`,
    ),
  epochs: int(1, 64).describe('Passes over each step’s rollouts'),
  advantage: z
    .enum(['group-std', 'group-mean', 'batch-std'])
    .describe('Group baseline: std-scaled, mean-only (Dr. GRPO) or batch-std'),
  skipZeroSpread: z.boolean().describe('Drop groups whose rewards are all equal'),
  epsLow: num(0, 1).describe('PPO clip ε below 1 (ratio ≥ 1 − ε)'),
  epsHigh: num(0, 10).describe('PPO clip ε above 1 (ratio ≤ 1 + ε)'),
  dualClip: num(1, 100).nullable().describe('Dual-clip c for A<0 (null = off)'),
  klBeta: num(0, 10).describe('KL to the frozen reference (k3); 0 = off'),
  entropyCoef: num(0, 10).describe('Entropy bonus weight (0 = off)'),
  aggregation: z
    .enum(['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm'])
    .describe('How token losses are averaged'),
  evalEvery: int(0, 1_000_000).describe('Greedy evaluation every N steps (0 = off)'),
  checkpointEvery: int(0, 1_000_000).describe(
    'Save a resumable checkpoint every N steps (also when paused or stopped)',
  ),
  maxNonFiniteSteps: int(0, 1000)
    .optional()
    .describe(
      `Pause after this many steps in a row with a NaN/Inf loss or gradient (default ${D.rl.maxNonFiniteSteps}; 0 = never)`,
    ),
});

export const ThinkTuningSchema = z.strictObject({
  schedule: z
    .enum(['constant', 'linear', 'cosine', 'exponential'])
    .describe('How the teacher’s selection rate changes over steps'),
  initialRate: num(0, 1).describe('Share of finished rollouts sent to the teacher at step 0'),
  minRate: num(0, 1).describe('Selection rate at the end of the schedule'),
  scheduleSteps: int(0, 1_000_000).describe('T: steps from initialRate to minRate'),
  offThreshold: num(0, 1).describe('Teacher off when the rate falls below this'),
  selection: z
    .enum(['random', 'incorrect-first', 'correct-first'])
    .describe('Which finished rollouts the teacher reads first (reference: random)'),
  offPolicyScope: z
    .enum(['guidance', 'whole-response'])
    .describe('Off-policy tokens: the guidance only (slides) or all (code)'),
  shaping: z
    .enum(['thinktuning', 'luffy', 'reference-as-coded'])
    .describe('Objective on teacher tokens'),
  gammaScale: num(0, 1).describe('γ(A) = scale · A in the shaped objective'),
  lowConfidenceTau: num(0, 1).describe(
    'Teacher tokens with p below τ and A < 0 are low-confidence',
  ),
  lowConfidenceHandling: z
    .enum(['drop', 'ppo'])
    .describe('Low-confidence negative teacher tokens: drop or PPO'),
  prefixCredit: z
    .enum(['guided', 'own', 'none'])
    .optional()
    .describe(
      `What the student's own tokens in a guided trajectory get: its advantage (guided, the reference code's), the advantage of the student's own response (own), or no loss (none); default ${D.thinktuning.prefixCredit}`,
    ),
  droppedInNormaliser: z
    .boolean()
    .optional()
    .describe(
      `Dropped low-confidence tokens still count in the loss's token normaliser, as verl's agg_loss over the response mask does (default ${D.thinktuning.droppedInNormaliser})`,
    ),
});

export const RewardSchema = z.strictObject({
  requireEos: z.boolean().describe('Correct only if the response ended with EOS'),
  format: num(0, 10).describe('Weight of the format reward (EOS + exactly one boxed)'),
  lengthPenalty: num(0, 10).describe('Weight of the linear length penalty (0 = off)'),
  catchphrase: z.string().max(200).describe('Phrase for the catchphrase bonus ("" = off)'),
  catchphraseBonus: num(0, 10).describe('Bonus when the catchphrase appears exactly once'),
});

export const TeacherSchema = z.strictObject({
  kind: z.enum(['builtin', 'http']).describe('Built-in (offline) or an OpenAI-compatible server'),
  baseURL: z.string().max(2000).describe('Server base URL including /v1'),
  model: z.string().max(200).describe('Model name as the server knows it'),
  temperature: num(0, 2).describe('Teacher sampling temperature (0 = greedy)'),
  maxTokens: int(1, 32768).describe('Teacher reply budget in tokens'),
  timeoutMs: int(100, 600_000).describe('Time limit of one teacher call (ms)'),
  retries: int(0, 10).describe('Extra attempts after a retryable failure'),
  concurrency: int(1, 64).describe('Teacher calls in flight at once'),
  logprobs: z.boolean().describe('Ask the server for token log-probabilities'),
  concise: z.boolean().describe('Built-in teacher: short guidance for small contexts'),
  walkthrough: z
    .enum(['steps', 'compact', 'answer'])
    .optional()
    .describe(
      'Built-in teacher: what the phrase walks through: the worked steps, the steps without their place-value chains (compact), or only the result (answer); default compact when concise, else steps',
    ),
  circuitFailures: int(0, 1000)
    .optional()
    .describe(
      `Pause teacher calls after this many failures in a row (default ${D.teacher.circuitFailures}; 0 = never)`,
    ),
  circuitCooldownMs: int(0, 3_600_000)
    .optional()
    .describe(
      `Wait before probing a paused teacher again, in ms (default ${D.teacher.circuitCooldownMs})`,
    ),
  stepDeadlineMs: int(0, 3_600_000)
    .optional()
    .describe(
      `Longest wait for the teacher in one step, in ms; rollouts still unanswered then stay unguided (default ${D.teacher.stepDeadlineMs}; 0 = none)`,
    ),
});

/** The linear layers LoRA can adapt (Hugging Face / PEFT module names). */
export const LORA_TARGETS = LLAMA_LINEAR_MODULES;

export const StudentSchema = z.strictObject({
  source: z
    .enum(['scratch', 'hf'])
    .describe(
      'scratch: a fresh student (model + tokenizer sections); hf: a pretrained Llama/Qwen2 model',
    ),
  hf: z
    .string()
    .max(2000)
    .describe(
      'Pretrained model folder: a URL ending in /resolve/main/, or a local path (CLI); empty in the app = the model loaded in the Model panel',
    ),
  lora: z.boolean().describe('Train LoRA adapters only (false = full fine-tuning)'),
  loraRank: int(1, 256).describe('LoRA rank r'),
  loraAlpha: num(0.01, 4096).describe('LoRA alpha: the update is scaled by alpha / r'),
  loraTargets: z
    .array(z.enum(LORA_TARGETS))
    .min(1)
    .describe('Linear layers that get adapters (PEFT target_modules)'),
  init: z
    .enum(['', ...SHIPPED_STUDENT_NAMES])
    .optional()
    .describe(
      `Scratch students: start RL from this shipped warm-up student (public/students/), skipping sft.*; "" = warm up from scratch (default "${D.student.init}")`,
    ),
});

/** The student section of configs written before it existed: a scratch model. */
export const DEFAULT_STUDENT: z.infer<typeof StudentSchema> = {
  source: 'scratch',
  hf: '',
  lora: true,
  loraRank: 8,
  loraAlpha: 16,
  loraTargets: [...LORA_TARGETS],
  init: '',
};

export const RunConfigSchema = z.strictObject({
  seed: int(0, 2 ** 31 - 1).describe('Seed of the student init, data order and sampling'),
  backend: z.enum(['auto', 'webgpu', 'wasm', 'webgl', 'cpu']),
  model: ModelSchema,
  tokenizer: TokenizerSchema,
  data: DataSchema,
  sft: SftSchema,
  eval: EvalSchema,
  rl: RlSchema,
  thinktuning: ThinkTuningSchema,
  reward: RewardSchema,
  teacher: TeacherSchema,
  student: StudentSchema,
});

export type RunConfig = z.infer<typeof RunConfigSchema>;

/** The reference prompt suffix (THINKTUNING.md, step 1). */
export const REFERENCE_SUFFIX =
  " Let's think step by step and provide your final answer inside \\boxed{} notation.";

/** Turns zod issues into one message per problem, naming the key and the fix. */
export function describeConfigError(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const where = i.path.length ? i.path.join('.') : '(root)';
      if (i.code === 'unrecognized_keys') {
        const parentSchema = schemaAt(i.path.map(String));
        const valid = parentSchema ? Object.keys(parentSchema.shape).join(', ') : '';
        return `${i.keys.map((k) => (i.path.length ? `${where}.${k}` : k)).join(', ')}: unknown key. Valid keys here: ${valid}.`;
      }
      return `${where}: ${i.message}`;
    })
    .join('\n');
}

type AnyObject = z.ZodObject<z.ZodRawShape>;
function schemaAt(path: string[]): AnyObject | null {
  let s: z.ZodType = RunConfigSchema;
  for (const k of path) {
    if (!(s instanceof z.ZodObject)) return null;
    s = (s as AnyObject).shape[k] as z.ZodType;
    if (!s) return null;
  }
  return s instanceof z.ZodObject ? (s as AnyObject) : null;
}

/** Validates a whole config; throws an Error listing every problem. */
export function parseConfig(value: unknown): RunConfig {
  // Configs saved before the student section existed train a scratch student.
  const withStudent =
    value !== null && typeof value === 'object' && !Array.isArray(value) && !('student' in value)
      ? { ...value, student: structuredClone(DEFAULT_STUDENT) }
      : value;
  const r = RunConfigSchema.safeParse(withStudent);
  if (!r.success) throw new Error(`Invalid config:\n${describeConfigError(r.error)}`);
  const c = r.data;
  if (c.model.dModel % c.model.heads !== 0) {
    throw new Error(
      `Invalid config:\nmodel.heads: ${c.model.heads} does not divide model.dModel (${c.model.dModel}); pick a divisor.`,
    );
  }
  if (c.model.positions === 'rope' && (c.model.dModel / c.model.heads) % 2 !== 0) {
    throw new Error(
      `Invalid config:\nmodel.positions: "rope" needs an even head size, but dModel / heads = ${c.model.dModel / c.model.heads}; change model.dModel or model.heads, or use "learned".`,
    );
  }
  return c;
}

/** Parses "a.b=value": JSON when it parses (numbers, booleans, null, arrays), else a string. */
export function applyOverride(config: RunConfig, assignment: string): RunConfig {
  const eq = assignment.indexOf('=');
  if (eq <= 0)
    throw new Error(`--set expects key=value (got "${assignment}"), e.g. --set rl.lr=1e-4.`);
  const path = assignment.slice(0, eq).trim().split('.');
  const raw = assignment.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (let i = 0; i < path.length; i++) {
    const k = path[i];
    const parent = schemaAt(path.slice(0, i));
    // Own keys only: "__proto__", "constructor" and the like are unknown keys, never paths.
    if (!parent || !Object.hasOwn(parent.shape, k)) {
      const valid = parent ? Object.keys(parent.shape).join(', ') : '(none: not an object)';
      throw new Error(
        `Unknown config key "${path.slice(0, i + 1).join('.')}". Valid keys here: ${valid}.`,
      );
    }
    if (i === path.length - 1) node[k] = value;
    else node = node[k] as Record<string, unknown>;
  }
  return parseConfig(copy);
}
