import { parseConfig, REFERENCE_SUFFIX, type RunConfig } from './config';

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
  },
};

function derive(patch: (c: RunConfig) => void): RunConfig {
  const c = structuredClone(base);
  patch(c);
  return parseConfig(c);
}

export const PRESETS: Record<string, RunConfig> = {
  /**
   * CI-sized: about two to three minutes of SFT on 2 CPU cores (WASM, ~0.4-0.6 s/step). BPE (384
   * tokens) cuts a money problem + solution from ~176 char tokens to ~80; splitDigits keeps every
   * digit its own token (" 27" is never one token), which halves the SFT loss at equal steps;
   * one domain keeps the arithmetic small; 20000 training problems (each seen ~0.25 times) leave
   * nothing to memorise. It learns the format fully but the held-out arithmetic only a little
   * (~5-8% greedy): README "Warm-up SFT" has the measured figures.
   */
  tiny: derive((c) => {
    c.model = { dModel: 64, layers: 2, heads: 4, context: 128, mlpRatio: 4 };
    c.tokenizer = { kind: 'bpe', vocabSize: 384, splitDigits: true };
    c.data.levels = [1];
    c.data.domains = ['money'];
    c.data.trainSize = 20000;
    c.sft = {
      steps: 300,
      batchSize: 16,
      gradAccum: 1,
      lr: 5e-3,
      minLr: 5e-4,
      warmupSteps: 20,
      weightDecay: 0.01,
      gradClip: 1,
    };
    c.eval.maxNewTokens = 64;
  }),
  /** The UI default: a few million parameters, level-1 and level-2 problems. */
  lab: derive((c) => {
    c.model = { dModel: 256, layers: 4, heads: 8, context: 384, mlpRatio: 4 };
    c.data.levels = [1, 2];
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
   * appears exactly once. The student never says it; only the teacher's guidance does.
   */
  'unknown-behavior': derive((c) => {
    c.model.context = 512; // room for the student's answer plus the teacher's guidance
    c.reward.catchphrase = 'Thalapathy Vijay';
    c.reward.catchphraseBonus = 0.5;
    c.rl.steps = 30;
    // A constant, generous rate so the phrase is seen often enough at lab scale.
    c.thinktuning.schedule = 'constant';
    c.thinktuning.initialRate = 0.4;
    c.thinktuning.minRate = 0.4;
    c.thinktuning.scheduleSteps = 30;
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

export const PRESET_NAMES = Object.keys(PRESETS);

/** A preset by name; unknown names list the valid ones. */
export function presetConfig(name: string): RunConfig {
  const c = PRESETS[name];
  if (!c) throw new Error(`Unknown preset "${name}". Valid presets: ${PRESET_NAMES.join(', ')}.`);
  return structuredClone(c);
}
