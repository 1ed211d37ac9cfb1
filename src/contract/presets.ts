import { DEFAULT_STUDENT, parseConfig, REFERENCE_SUFFIX, type RunConfig } from './config';

/**
 * Named presets. Where a value departs from the reference recipe (THINKTUNING.md: lr 1e-6,
 * G=5, 128 prompts/step, response 1024 tokens), the comment says why: these students are
 * trained from scratch and are thousands of times smaller.
 */

const base: RunConfig = {
  seed: 1,
  backend: 'auto',
  model: { dModel: 64, layers: 2, heads: 4, context: 256, mlpRatio: 4 },
  tokenizer: { kind: 'char', vocabSize: 512, splitDigits: false },
  data: {
    source: 'generated',
    levels: [1],
    trainSize: 4000,
    evalSize: 64,
    gsm8kTrain: '',
    gsm8kEval: '',
    // The reference suffix costs ~80 tokens per prompt on a char model; lab presets drop it.
    promptSuffix: '',
  },
  sft: {
    steps: 300,
    batchSize: 16,
    lr: 3e-3,
    minLr: 3e-4,
    warmupSteps: 20,
    weightDecay: 0.01,
    gradClip: 1,
    gradAccum: 1,
  },
  eval: { size: 64, samples: 4, temperature: 1, maxNewTokens: 96 },
  rl: {
    algo: 'thinktuning',
    steps: 20,
    questionsPerStep: 4, // reference 128: a tab has far less compute
    groupSize: 5, // reference G = 5
    temperature: 1, // reference
    topP: 1, // reference
    maxNewTokens: 96, // reference 1024: lab tasks need ~60-100 characters
    lr: 3e-4, // reference 1e-6 is for a 3B pretrained model; a tiny scratch model needs more
    minLr: 3e-4,
    lrSchedule: 'constant', // reference
    warmupSteps: 0,
    weightDecay: 0.01, // reference
    gradClip: 1, // reference
    miniBatches: 1,
    epochs: 1,
    advantage: 'group-std', // reference
    skipZeroSpread: false,
    epsLow: 0.2, // reference
    epsHigh: 0.2, // reference
    dualClip: 3, // reference c = 3
    klBeta: 0, // reference: off
    entropyCoef: 0, // reference: off
    aggregation: 'token-mean', // reference
    evalEvery: 5, // reference validates every 5 steps
    checkpointEvery: 10,
    maxNonFiniteSteps: 3, // then the run pauses with its last good weights
  },
  thinktuning: {
    schedule: 'linear', // reference: linear 0.10 -> 0.01 over the first third, off below 0.05
    initialRate: 0.1,
    minRate: 0.01,
    scheduleSteps: 7,
    offThreshold: 0.05,
    selection: 'random',
    offPolicyScope: 'guidance', // slides' reading (reference code: whole-response)
    shaping: 'thinktuning',
    gammaScale: 0.00025,
    lowConfidenceTau: 0.01,
    lowConfidenceHandling: 'drop', // slides' reading (reference code: ppo)
    // Reference code: verl's agg_loss divides by the response mask, so a dropped token counts
    // in token-mean's denominator with a loss of 0.
    droppedInNormaliser: true,
    // Reference code: the whole guided response (the student's prefix too) carries the guided
    // trajectory's advantage.
    prefixCredit: 'guided',
  },
  reward: { requireEos: true, format: 0, lengthPenalty: 0, catchphrase: '', catchphraseBonus: 0.5 },
  teacher: {
    kind: 'builtin',
    baseURL: 'http://127.0.0.1:11434/v1',
    model: 'llama3.2:3b',
    temperature: 0, // reference: greedy teacher
    maxTokens: 512,
    timeoutMs: 60_000,
    retries: 2,
    concurrency: 4,
    logprobs: false,
    concise: true, // scratch students have short contexts
    circuitFailures: 5, // failed calls in a row that pause teacher calls
    circuitCooldownMs: 30_000, // before one probe call tries again
  },
  student: structuredClone(DEFAULT_STUDENT),
};

function derive(patch: (c: RunConfig) => void): RunConfig {
  const c = structuredClone(base);
  patch(c);
  return parseConfig(c);
}

/**
 * CI-sized: about three minutes of SFT on 2 idle CPU cores (WASM). BPE (384 tokens) with
 * splitDigits keeps every digit its own token; one domain keeps the arithmetic small; 20000
 * training problems (each seen ~1 time) leave little to memorise. Two changes make the
 * held-out arithmetic learnable (plain equations with learned positions: ~5% greedy):
 * place-value worked steps ("23 - 7 = 10 + 13 - 7 = 10 + 6 = 16": each move is a one-digit
 * fact plus copying) and RoPE (copying a digit k tokens back is one pattern at every
 * position). README "Warm-up SFT" has the measured figures.
 */
const tiny = derive((c) => {
  c.model = { dModel: 64, layers: 2, heads: 4, context: 160, mlpRatio: 4, positions: 'rope' };
  c.tokenizer = { kind: 'bpe', vocabSize: 384, splitDigits: true };
  c.data.levels = [1];
  c.data.domains = ['money'];
  c.data.trainSize = 20000;
  c.data.workedDetail = 'place-value';
  c.sft = {
    steps: 1200, // held-out accuracy rises sharply between 600 and 1200 steps
    batchSize: 16,
    gradAccum: 1,
    lr: 5e-3,
    minLr: 5e-4,
    warmupSteps: 20,
    weightDecay: 0.01,
    gradClip: 1,
  };
  c.eval.maxNewTokens = 96; // place-value solutions run to ~70 tokens
});

/**
 * The default on a CPU tab (WASM): the tiny student's shape, started from its shipped warm-up
 * (public/students/cpu/, made by `npm run students`), so Start begins RL at once.
 * - Money problems of one and two steps (tiny: one): level 1 alone has only ~800 distinct
 *   problems, which the warm-up memorises, so RL on them cannot raise held-out accuracy; two
 *   steps give ~18 000, and RL's gains carry over to unseen questions (docs/compare.md).
 * - Context 384 (tiny: 160): room for a two-step answer (up to 160 tokens) and the built-in
 *   teacher's concise guidance (its worked steps without their place-value chains).
 */
const cpu = derive((c) => {
  c.model = { ...tiny.model, context: 384 };
  c.tokenizer = { ...tiny.tokenizer };
  c.data = { ...tiny.data, levels: [1, 2] };
  c.sft = { ...tiny.sft, steps: 2000 };
  c.eval.maxNewTokens = 160;
  c.rl.maxNewTokens = 160;
  c.student.init = 'cpu';
  // RL that raises held-out accuracy (docs/compare.md has every recipe tried): a small, constant
  // lr for many steps. At 1e-4 and 3e-4 the 2-layer student's held-out accuracy drifts down or
  // stays flat; at 3e-5 it climbs for 600 steps (reference: 1e-6 for a 3B pretrained model).
  c.rl.steps = 600;
  c.rl.lr = 3e-5;
  c.rl.minLr = 3e-5;
  c.rl.evalEvery = 25;
  c.rl.checkpointEvery = 25;
  // The reference schedule (0.10 -> 0.01, off below 0.05) over the first third of the run, as
  // in the reference: k = max(1, floor(5 x rate)) = 1 guided rollout per question while it is
  // on (steps 1-110), so every early step shows 4 guided trajectories.
  c.thinktuning.scheduleSteps = 200;
  // Departures from the reference code, each measured in docs/compare.md:
  // - the teacher reads the rollouts the student got wrong first (reference: at random);
  // - the student's own tokens in a guided trajectory keep their GRPO advantage ("own";
  //   reference: the guided trajectory's, which rewards a wrong answer the teacher corrected).
  c.thinktuning.selection = 'incorrect-first';
  c.thinktuning.prefixCredit = 'own';
});

export const PRESETS: Record<string, RunConfig> = {
  cpu,
  tiny,
  /** The UI default: a few million parameters, level-1 and level-2 problems. */
  lab: derive((c) => {
    // RoPE and place-value steps: what made the tiny preset's held-out arithmetic learnable
    c.model = { dModel: 256, layers: 4, heads: 8, context: 384, mlpRatio: 4, positions: 'rope' };
    c.data.levels = [1, 2];
    c.data.workedDetail = 'place-value';
    c.data.trainSize = 20000;
    c.sft = {
      steps: 2000,
      batchSize: 32,
      // 4 micro-batches of 8: the same update as batch 32, but the [rows, H, T, T] attention
      // and [rows, T, V] logits of a 384-token context fit WASM's heap in Node.
      gradAccum: 4,
      lr: 1e-3,
      minLr: 1e-4,
      warmupSteps: 100,
      weightDecay: 0.01,
      gradClip: 1,
    };
    c.rl.questionsPerStep = 8;
    c.rl.steps = 60;
    c.rl.lr = 1e-5;
    c.rl.minLr = 1e-5;
    c.rl.maxNewTokens = 160;
    c.thinktuning.scheduleSteps = 20;
    c.eval.maxNewTokens = 160;
  }),
  /**
   * The paper's "unknown behaviour" experiment: reward = correctness + 0.5 when the catchphrase
   * appears exactly once; the built-in teacher quotes it in every phrase, the student never says
   * it. The tiny student, with three departures (README "The unknown-behaviour experiment"):
   * - the warm-up re-checks a quarter of its answers in the teacher's reflective style (never
   *   the catchphrase), as an instruct model brings the habit of writing past its first answer;
   *   without it the student's EOS after \boxed{} sits at log p ~ -18 and nothing follows;
   * - gammaScale 0 (reference 0.00025): the shaped weight p / (p + gamma) ignores tokens the
   *   student finds less likely than gamma, and a scratch student puts log p -10 to -25 on every
   *   token of "Thalapathy Vijay";
   * - a constant teacher rate of 0.4, top-p 0.9 and a KL anchor, over 400 steps.
   */
  'unknown-behavior': derive((c) => {
    c.model = { ...tiny.model, context: 384 }; // room for the answer, a check and the guidance
    c.tokenizer = { ...tiny.tokenizer };
    c.data = { ...tiny.data };
    c.sft = { ...tiny.sft, selfCheckRate: 0.25 };
    c.eval.maxNewTokens = 192;
    c.reward.catchphrase = 'Thalapathy Vijay';
    c.reward.catchphraseBonus = 0.5;
    c.rl.steps = 400;
    c.rl.maxNewTokens = 192; // answer (~70 tokens) + check or guidance (~120)
    c.rl.lr = 2e-4; // at 1e-4 the phrase is learned too, but the rate rises later
    c.rl.minLr = 2e-4;
    c.rl.topP = 0.9; // reference 1: at 1 a tiny student's tail tokens garble its reflections
    c.rl.klBeta = 0.1; // keeps the student's own arithmetic while the guidance is learned
    c.thinktuning.schedule = 'constant';
    c.thinktuning.initialRate = 0.4;
    c.thinktuning.minRate = 0.4;
    c.thinktuning.scheduleSteps = 400;
    c.thinktuning.offThreshold = 0;
    c.thinktuning.gammaScale = 0;
    // the full worked steps, as in the measured run (compact or answer-only guidance, with own
    // prefix credit, cost this student most of its accuracy: docs/compare.md)
    c.teacher.walkthrough = 'steps';
    c.student.init = 'unknown-behavior'; // the warm-up above, shipped (npm run students)
  }),
  /** The reference recipe's knobs (for a pretrained student; not for a scratch model). */
  reference: derive((c) => {
    c.data.source = 'gsm8k';
    c.data.promptSuffix = REFERENCE_SUFFIX;
    c.rl.lr = 1e-6;
    c.rl.minLr = 1e-6;
    c.rl.questionsPerStep = 128;
    c.rl.miniBatches = 4; // mini-batch of 32 prompts
    c.rl.maxNewTokens = 1024;
    c.rl.steps = 58;
    c.thinktuning.scheduleSteps = 19;
    c.teacher.concise = false;
  }),
};

/**
 * A pretrained instruct student from the Hugging Face Hub, trained with LoRA: the paper's
 * setting (an instruct model that already reasons) at a browser's scale. The model and tokenizer
 * sections are unused (config.json and tokenizer.json decide); there is no warm-up SFT.
 */
function pretrained(url: string, patch: (c: RunConfig) => void): RunConfig {
  return derive((c) => {
    c.student = { ...structuredClone(DEFAULT_STUDENT), source: 'hf', hf: url };
    c.student.loraRank = 16;
    c.student.loraAlpha = 32;
    c.data.levels = [1, 2];
    c.data.trainSize = 20000;
    c.data.promptSuffix = REFERENCE_SUFFIX; // instruct models are told to box the answer
    c.sft.steps = 0; // the instruct model already follows the format
    c.rl.lr = 5e-5; // LoRA on a small model; the reference's 1e-6 is full fine-tuning of 3B
    c.rl.minLr = 5e-5;
    c.rl.questionsPerStep = 2;
    c.rl.groupSize = 4;
    c.rl.maxNewTokens = 256; // room to reason; the reference allows 1024
    c.rl.miniBatches = 4; // 2 rollouts per update bound the [rows, T, vocab] logits
    c.eval.maxNewTokens = 256;
    c.teacher.concise = false; // long contexts
    patch(c);
  });
}

/** Hugging Face Hub folders of the pretrained presets (fetched by the browser, never by tests). */
export const HF_URLS = {
  'smollm2-135m-instruct':
    'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/resolve/main/',
  'qwen2.5-0.5b-instruct': 'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/resolve/main/',
} as const;

/** SmolLM2-135M-Instruct: 135M parameters (~270 MB download, ~540 MB as float32). */
PRESETS['smollm2-135m-instruct'] = pretrained(HF_URLS['smollm2-135m-instruct'], () => {});
/** Qwen2.5-0.5B-Instruct: 494M parameters (~990 MB download, ~2 GB as float32); wants a GPU. */
PRESETS['qwen2.5-0.5b-instruct'] = pretrained(HF_URLS['qwen2.5-0.5b-instruct'], (c) => {
  c.rl.maxNewTokens = 192;
  c.eval.maxNewTokens = 192;
  c.rl.miniBatches = 8; // one rollout per update: a 152k vocabulary makes logits large
});

export const PRESET_NAMES = Object.keys(PRESETS);

/** A preset by name; unknown names list the valid ones. */
export function presetConfig(name: string): RunConfig {
  const c = PRESETS[name];
  if (!c) throw new Error(`Unknown preset "${name}". Valid presets: ${PRESET_NAMES.join(', ')}.`);
  return structuredClone(c);
}
