/**
 * Every lab setting (RunConfig) and the verl override it becomes, or why it has none.
 * One table drives run_grpo.sh, run_thinktuning.sh and MAPPING.md, so they cannot disagree.
 *
 * Two targets: `verl` is current verl (`verl.trainer.main_ppo`, keys checked against the composed
 * reference config); `thinktuning` is the ThinkTuning fork's bundled verl (about v0.4), whose
 * config lacks some newer keys (`lr_scheduler_type`, `optim.clip_grad`, `loss_scale_factor`,
 * `val_max_samples`, the loader seeds): those settings fall back to the fork's spelling or to
 * "no counterpart".
 */
import { OPTIONAL_DEFAULTS } from '../../../contract/configDefaults';
import type { RunConfig } from '../../../contract/config';
import { shell, type HydraValue, type VerlOverride } from './hydra';

export type VerlTarget = 'verl' | 'thinktuning';

/** One lab setting and what it becomes in verl. */
export interface SettingMapping {
  /** Dotted RunConfig path, e.g. `rl.lr`. */
  lab: string;
  /** The run's value (undefined: the optional field is unset and its default applies). */
  labValue: unknown;
  /** The overrides it becomes; empty when verl has no counterpart. */
  overrides: VerlOverride[];
  /** What the mapping means, or what is lost without a counterpart. */
  note: string;
  /**
   * False: verl has nothing for it. True also where no flag is set but another file carries the
   * setting (lab_reward.py for the reward weights, the rows for the data source, MODEL_PATH).
   */
  counterpart: boolean;
}

/** Facts about the exported job the mapping needs. */
export interface MappingContext {
  target: VerlTarget;
  /** Rows in data/train.jsonl (or the ThinkTuning train file). */
  trainRows: number;
  /** Rows in data/test.jsonl. */
  evalRows: number;
}

const o = (key: string, value: HydraValue, add = false): VerlOverride =>
  add ? { key, value, add } : { key, value };
const none = (lab: string, labValue: unknown, note: string): SettingMapping => ({
  lab,
  labValue,
  overrides: [],
  note,
  counterpart: false,
});
const map = (
  lab: string,
  labValue: unknown,
  overrides: VerlOverride[],
  note = '',
): SettingMapping => ({ lab, labValue, overrides, note, counterpart: true });

const ACTOR = 'actor_rollout_ref.actor';
const ROLLOUT = 'actor_rollout_ref.rollout';
const TEACHER = 'actor2_rollout_ref';

/** Hugging Face repo id from a `https://huggingface.co/<org>/<name>/resolve/<rev>/` URL. */
export function hubRepoId(url: string): string | null {
  const m = /^https:\/\/huggingface\.co\/([^/]+\/[^/]+)\/resolve\//.exec(url.trim());
  return m ? m[1] : null;
}

/** Prompts per PPO mini-batch: B / miniBatches, whole prompts only (verl counts prompts). */
export function miniBatchPrompts(c: RunConfig): number {
  return Math.max(1, Math.floor(c.rl.questionsPerStep / c.rl.miniBatches));
}

/** Epochs verl needs so that rl.steps steps fit: steps / floor(rows / B), rounded up. */
export function epochsFor(c: RunConfig, trainRows: number): number {
  const perEpoch = Math.max(1, Math.floor(trainRows / c.rl.questionsPerStep));
  return Math.max(1, Math.ceil(c.rl.steps / perEpoch));
}

/** The lab's teacher-rate schedule names in the recipe's `teaching_scheduler.type`. */
const SCHEDULE_TYPE: Record<RunConfig['thinktuning']['schedule'], string> = {
  constant: 'constant',
  linear: 'linear',
  cosine: 'cosine',
  exponential: 'exp',
};

function optimMappings(c: RunConfig, target: VerlTarget): SettingMapping[] {
  const { rl } = c;
  const fork = target === 'thinktuning';
  const schedKey = fork ? `${ACTOR}.optim.warmup_style` : `${ACTOR}.optim.lr_scheduler_type`;
  const cosine = rl.lrSchedule !== 'constant';
  return [
    map('rl.lr', rl.lr, [o(`${ACTOR}.optim.lr`, rl.lr)], 'AdamW peak learning rate.'),
    map(
      'rl.lrSchedule',
      rl.lrSchedule,
      [o(schedKey, cosine ? 'cosine' : 'constant')],
      rl.lrSchedule === 'linear-warmup-linear-decay'
        ? 'verl schedules are constant or cosine only: linear decay becomes cosine decay to the same minimum (different shape in between).'
        : 'Same schedule: constant, or linear warm-up then cosine decay.',
    ),
    cosine
      ? map(
          'rl.minLr',
          rl.minLr,
          [o(`${ACTOR}.optim.min_lr_ratio`, rl.lr > 0 ? rl.minLr / rl.lr : 0)],
          'verl takes the floor as a ratio of the peak: minLr / lr.',
        )
      : none('rl.minLr', rl.minLr, 'Unused by a constant schedule (in the lab too).'),
    map(
      'rl.warmupSteps',
      rl.warmupSteps,
      [o(`${ACTOR}.optim.lr_warmup_steps`, rl.warmupSteps)],
      'Counted in training steps on both sides. The lab warms up as (step+1)/W, so its first step already trains; verl (HF) as step/W, one step later.',
    ),
    map(
      'rl.weightDecay',
      rl.weightDecay,
      [o(`${ACTOR}.optim.weight_decay`, rl.weightDecay)],
      'AdamW weight decay.',
    ),
    map(
      'rl.gradClip',
      rl.gradClip,
      fork
        ? [o(`${ACTOR}.grad_clip`, rl.gradClip)]
        : [o(`${ACTOR}.grad_clip`, rl.gradClip), o(`${ACTOR}.optim.clip_grad`, rl.gradClip)],
      'Global gradient-norm clip (verl reads actor.grad_clip in the FSDP actor and optim.clip_grad in the newer engine).',
    ),
  ];
}

function batchMappings(c: RunConfig, ctx: MappingContext): SettingMapping[] {
  const { rl } = c;
  const mini = miniBatchPrompts(c);
  const exact = rl.questionsPerStep % rl.miniBatches === 0;
  const labUpdates = rl.miniBatches * rl.epochs;
  const verlUpdates = Math.ceil(rl.questionsPerStep / mini) * rl.epochs;
  return [
    map(
      'rl.questionsPerStep',
      rl.questionsPerStep,
      [o('data.train_batch_size', rl.questionsPerStep)],
      'B: prompts per training step.',
    ),
    map('rl.groupSize', rl.groupSize, [o(`${ROLLOUT}.n`, rl.groupSize)], 'G: rollouts per prompt.'),
    map(
      'rl.miniBatches',
      rl.miniBatches,
      [o(`${ACTOR}.ppo_mini_batch_size`, mini)],
      exact
        ? `verl counts mini-batches in prompts: ${rl.questionsPerStep} / ${rl.miniBatches} = ${mini} prompts (× G rollouts) per update.`
        : `verl counts mini-batches in whole prompts: the lab splits ${rl.questionsPerStep}×${rl.groupSize} rollouts into ${rl.miniBatches} updates, verl into ${verlUpdates / rl.epochs} of ${mini} prompts (${verlUpdates} vs ${labUpdates} updates per step).`,
    ),
    none(
      'rl.gradAccum',
      rl.gradAccum ?? OPTIONAL_DEFAULTS.rl.gradAccum,
      'Memory only (the update is the same): verl accumulates over ppo_micro_batch_size_per_gpu rows, set per GPU by $MICRO_BATCH in the job script.',
    ),
    map('rl.epochs', rl.epochs, [o(`${ACTOR}.ppo_epochs`, rl.epochs)], 'Passes over each batch.'),
    map(
      'rl.steps',
      rl.steps,
      [
        o('trainer.total_training_steps', rl.steps),
        o('trainer.total_epochs', epochsFor(c, ctx.trainRows)),
      ],
      `total_training_steps wins; total_epochs = ceil(steps / floor(${ctx.trainRows} rows / B)) so the data loader does not run out first.`,
    ),
  ];
}

function lossMappings(c: RunConfig, target: VerlTarget): SettingMapping[] {
  const { rl } = c;
  const fork = target === 'thinktuning';
  const adv: Record<RunConfig['rl']['advantage'], VerlOverride[]> = {
    'group-std': [
      o('algorithm.adv_estimator', 'grpo'),
      o('algorithm.norm_adv_by_std_in_grpo', true),
    ],
    'group-mean': [
      o('algorithm.adv_estimator', 'grpo'),
      o('algorithm.norm_adv_by_std_in_grpo', false),
    ],
    'batch-std': [o('algorithm.adv_estimator', 'reinforce_plus_plus_baseline')],
  };
  const advNote: Record<RunConfig['rl']['advantage'], string> = {
    'group-std': 'A = (r − group mean) / (unbiased group std + 1e-6) on both sides.',
    'group-mean': 'Dr. GRPO: A = r − group mean, no std scaling.',
    'batch-std':
      'Closest verl estimator: REINFORCE++-baseline, (r − group mean) whitened over the batch tokens. The lab divides by the batch std of the rewards instead; not identical.',
  };
  const aggOverrides = [o(`${ACTOR}.loss_agg_mode`, rl.aggregation)];
  if (rl.aggregation === 'seq-mean-token-sum-norm' && !fork)
    aggOverrides.push(o(`${ACTOR}.loss_scale_factor`, rl.maxNewTokens));
  const kl = rl.klBeta > 0;
  return [
    map('rl.advantage', rl.advantage, adv[rl.advantage], advNote[rl.advantage]),
    none(
      'rl.skipZeroSpread',
      rl.skipZeroSpread,
      rl.skipZeroSpread
        ? 'No counterpart in main_ppo (DAPO dynamic sampling is a separate recipe): zero-spread groups stay in the batch with advantage 0, so they still count in token-mean denominators.'
        : 'Off in the lab too: zero-spread groups train with advantage 0 on both sides.',
    ),
    map(
      'rl.epsLow',
      rl.epsLow,
      [o(`${ACTOR}.clip_ratio_low`, rl.epsLow), o(`${ACTOR}.clip_ratio`, rl.epsLow)],
      'Lower PPO clip; clip_ratio (the fallback) is set to the same value.',
    ),
    map('rl.epsHigh', rl.epsHigh, [o(`${ACTOR}.clip_ratio_high`, rl.epsHigh)], 'Upper PPO clip.'),
    map(
      'rl.dualClip',
      rl.dualClip,
      [o(`${ACTOR}.clip_ratio_c`, rl.dualClip ?? 1e9)],
      rl.dualClip === null
        ? 'verl has no off switch for dual clip (c must be > 1): c = 1e9 never binds.'
        : 'Dual-clip bound c for A < 0.',
    ),
    map(
      'rl.klBeta',
      rl.klBeta,
      kl
        ? [
            o(`${ACTOR}.use_kl_loss`, true),
            o(`${ACTOR}.kl_loss_coef`, rl.klBeta),
            o(`${ACTOR}.kl_loss_type`, 'low_var_kl'),
            o('algorithm.use_kl_in_reward', false),
          ]
        : [o(`${ACTOR}.use_kl_loss`, false), o('algorithm.use_kl_in_reward', false)],
      kl
        ? 'k3 KL to the frozen reference as a loss term (verl clamps low_var_kl to [−10, 10]; the lab does not clamp).'
        : 'KL off on both sides.',
    ),
    map(
      'rl.entropyCoef',
      rl.entropyCoef,
      [o(`${ACTOR}.entropy_coeff`, rl.entropyCoef)],
      'Entropy bonus: loss − coef × entropy on both sides.',
    ),
    map(
      'rl.aggregation',
      rl.aggregation,
      aggOverrides,
      rl.aggregation === 'seq-mean-token-sum-norm'
        ? `Dr. GRPO. verl divides the token sums by loss_scale_factor${fork ? ' (absent in the fork: the padded length)' : ` = ${rl.maxNewTokens}`}; the lab also divides by the number of rollouts N, a constant factor that AdamW all but cancels.`
        : 'Same aggregation.',
    ),
  ];
}

function samplingMappings(c: RunConfig): SettingMapping[] {
  const { rl } = c;
  return [
    map(
      'rl.temperature',
      rl.temperature,
      [o(`${ROLLOUT}.temperature`, rl.temperature)],
      'Rollout sampling temperature (vLLM).',
    ),
    map('rl.topP', rl.topP, [o(`${ROLLOUT}.top_p`, rl.topP)], 'Nucleus (top-p) sampling.'),
    map(
      'rl.maxNewTokens',
      rl.maxNewTokens,
      [o('data.max_response_length', rl.maxNewTokens)],
      'Longest response, in tokens of the model being trained (the lab counts its own tokenizer’s tokens).',
    ),
  ];
}

function evalMappings(c: RunConfig, target: VerlTarget): SettingMapping[] {
  const { rl } = c;
  const on = rl.evalEvery > 0;
  return [
    map(
      'rl.evalEvery',
      rl.evalEvery,
      [o('trainer.test_freq', on ? rl.evalEvery : -1), o('trainer.val_before_train', on)],
      'Greedy validation (verl val_kwargs: temperature 0, n 1) every N steps and before the first step, as the lab does; 0 = off (-1).',
    ),
    target === 'verl'
      ? map(
          'eval.size',
          c.eval.size,
          [o('data.val_max_samples', c.eval.size)],
          'Validation questions (the first eval.size rows of data/test.jsonl).',
        )
      : none(
          'eval.size',
          c.eval.size,
          'The fork has no val_max_samples: its validation reads every row of the test file, which the export cuts to eval.size rows.',
        ),
    none(
      'eval.samples',
      c.eval.samples,
      'Sampled pass@1 is the lab’s CLI `eval` command; verl’s periodic validation stays greedy (val_kwargs.n = 1).',
    ),
    none(
      'eval.temperature',
      c.eval.temperature,
      'Temperature of the sampled evaluation (CLI `eval`); periodic validation is greedy on both sides.',
    ),
    none(
      'eval.maxNewTokens',
      c.eval.maxNewTokens,
      'verl validates with the training response length (data.max_response_length).',
    ),
    map(
      'rl.checkpointEvery',
      rl.checkpointEvery,
      [o('trainer.save_freq', rl.checkpointEvery > 0 ? rl.checkpointEvery : -1)],
      'Checkpoint every N steps (0 = never, -1 in verl).',
    ),
    none(
      'rl.maxNonFiniteSteps',
      rl.maxNonFiniteSteps,
      'verl has no non-finite guard: a NaN loss is not skipped, and nothing pauses the run.',
    ),
  ];
}

function studentMappings(c: RunConfig): SettingMapping[] {
  const s = c.student;
  const hf = s.source === 'hf';
  const lora = hf && s.lora;
  const modelNote = hf
    ? `The job trains $MODEL_PATH${hubRepoId(s.hf) ? ` (default ${hubRepoId(s.hf)})` : ''}.`
    : 'The lab’s scratch student is not a Hugging Face model, so verl cannot load it: set MODEL_PATH to an instruct model.';
  return [
    map(
      'student.source',
      s.source,
      [o('actor_rollout_ref.model.path', shell('$MODEL_PATH'))],
      modelNote,
    ),
    map(
      'student.hf',
      s.hf,
      [],
      'Becomes the default of MODEL_PATH (a Hub id or folder) in the script.',
    ),
    map(
      'student.lora',
      s.lora,
      [o('actor_rollout_ref.model.lora_rank', lora ? s.loraRank : 0)],
      lora ? 'LoRA on; rank below.' : 'Full fine-tuning (lora_rank 0).',
    ),
    lora
      ? map('student.loraRank', s.loraRank, [], 'Sets lora_rank (above).')
      : none('student.loraRank', s.loraRank, 'Unused without LoRA.'),
    lora
      ? map('student.loraAlpha', s.loraAlpha, [
          o('actor_rollout_ref.model.lora_alpha', s.loraAlpha),
        ])
      : none('student.loraAlpha', s.loraAlpha, 'Unused without LoRA.'),
    lora
      ? map('student.loraTargets', s.loraTargets, [
          o('actor_rollout_ref.model.target_modules', s.loraTargets),
        ])
      : none('student.loraTargets', s.loraTargets, 'Unused without LoRA.'),
    none(
      'student.init',
      s.init ?? OPTIONAL_DEFAULTS.student.init,
      'The lab’s shipped warm-up students are scratch models verl cannot load; the job starts from MODEL_PATH.',
    ),
  ];
}

function dataMappings(c: RunConfig, target: VerlTarget): SettingMapping[] {
  const d = c.data;
  const rows =
    'Used when the export writes the rows of data/train.jsonl and data/test.jsonl; verl sees the rows, not the setting.';
  return [
    target === 'verl'
      ? map(
          'seed',
          c.seed,
          [o('data.seed', c.seed), o(`${ACTOR}.data_loader_seed`, c.seed)],
          'Seeds verl’s data shuffle; verl’s sampling and initialisation draw from other generators, so the same seed gives other samples than the lab.',
        )
      : none(
          'seed',
          c.seed,
          'The fork’s config has no data seed keys; its shuffle uses its own default.',
        ),
    none(
      'backend',
      c.backend,
      'verl runs on CUDA (vLLM for rollouts, FSDP for updates); the TensorFlow.js backend has no meaning there.',
    ),
    map(
      'data.source',
      d.source,
      [],
      'Picks the rows and their data_source column (openai/gsm8k for GSM8K, thinktuning-lab/<source> otherwise).',
    ),
    map('data.levels', d.levels, [], rows),
    map('data.domains', d.domains, [], rows),
    map('data.trainSize', d.trainSize, [], rows),
    map('data.evalSize', d.evalSize, [], rows),
    none('data.workedDetail', d.workedDetail, 'Worked solutions are for SFT; RL rows carry none.'),
    map('data.gsm8kTrain', d.gsm8kTrain, [], `${rows} (read at export time).`),
    map('data.gsm8kEval', d.gsm8kEval, [], `${rows} (read at export time).`),
    map(
      'data.promptSuffix',
      d.promptSuffix,
      [],
      d.promptSuffix
        ? 'Appended to every prompt in the rows.'
        : 'Empty in the run (its scratch student learned the format in warm-up); the export appends the reference suffix so an instruct model knows to box its answer.',
    ),
  ];
}

function scratchMappings(c: RunConfig): SettingMapping[] {
  const why = 'The scratch student’s shape; verl trains the Hugging Face model at $MODEL_PATH.';
  const tok = 'verl uses the tokenizer of $MODEL_PATH.';
  const sft =
    'Warm-up SFT has no counterpart in the RL job (verl’s SFT trainer is a separate program); an instruct model needs no warm-up to follow the format.';
  return [
    ...(['dModel', 'layers', 'heads', 'mlpRatio', 'positions'] as const).map((k) =>
      none(`model.${k}`, c.model[k], why),
    ),
    none(
      'model.context',
      c.model.context,
      'Prompt + response budget of the scratch model. verl sets data.max_prompt_length (512, overlong prompts filtered out, as the lab skips them) and data.max_response_length separately.',
    ),
    none('tokenizer.kind', c.tokenizer.kind, tok),
    none('tokenizer.vocabSize', c.tokenizer.vocabSize, tok),
    none('tokenizer.splitDigits', c.tokenizer.splitDigits, tok),
    ...(
      [
        'steps',
        'batchSize',
        'lr',
        'minLr',
        'warmupSteps',
        'weightDecay',
        'gradClip',
        'gradAccum',
        'selfCheckRate',
      ] as const
    ).map((k) => none(`sft.${k}`, c.sft[k], sft)),
  ];
}

function rewardMappings(c: RunConfig): SettingMapping[] {
  const r = c.reward;
  const fn = 'Set in lab_reward.py (custom_reward_function.path), which scores as the lab does.';
  const dapo = (target: string) =>
    `verl’s DAPO reward manager adds −w × tokens / max_response_length with an overlong buffer as long as the whole response (${target}), exactly the lab’s token-based penalty; lab_reward.py leaves the term to it.`;
  return [
    map(
      'reward.requireEos',
      r.requireEos,
      [],
      r.requireEos
        ? 'verl decodes responses with skip_special_tokens=True, so the scorer never sees EOS and cannot tell a finished response from one cut at max_response_length: lab_reward.py counts every response as ended. Only truncated responses can score differently (the lab gives them no correctness or format reward).'
        : 'Correctness does not need EOS in the run; the same in lab_reward.py.',
    ),
    map('reward.format', r.format, [], `${fn} Weight ${r.format}.`),
    r.lengthPenalty > 0
      ? map(
          'reward.lengthPenalty',
          r.lengthPenalty,
          [
            o('reward_model.reward_manager', 'dapo'),
            o('reward_model.reward_kwargs.max_resp_len', c.rl.maxNewTokens, true),
            o('reward_model.reward_kwargs.overlong_buffer_cfg.enable', true, true),
            o('reward_model.reward_kwargs.overlong_buffer_cfg.len', c.rl.maxNewTokens, true),
            o(
              'reward_model.reward_kwargs.overlong_buffer_cfg.penalty_factor',
              r.lengthPenalty,
              true,
            ),
            o('reward_model.reward_kwargs.overlong_buffer_cfg.log', false, true),
          ],
          dapo(`len = ${c.rl.maxNewTokens}`),
        )
      : none('reward.lengthPenalty', r.lengthPenalty, 'Off (0) in the run.'),
    map('reward.catchphrase', r.catchphrase, [], r.catchphrase ? fn : 'Off ("") in the run.'),
    r.catchphrase
      ? map('reward.catchphraseBonus', r.catchphraseBonus, [], fn)
      : none('reward.catchphraseBonus', r.catchphraseBonus, 'Unused without a catchphrase.'),
  ];
}

function thinkTuningMappings(c: RunConfig, target: VerlTarget): SettingMapping[] {
  const t = c.thinktuning;
  const grpo = 'A ThinkTuning setting: see run_thinktuning.sh (the GRPO job has no teacher).';
  const s = (k: string) => `${TEACHER}.teaching_scheduler.${k}`;
  const hardCoded = (what: string) => `No flag in the recipe: ${what}.`;
  if (target === 'verl') {
    return (Object.keys(t) as Array<keyof RunConfig['thinktuning']>).map((k) =>
      none(`thinktuning.${k}`, t[k], grpo),
    );
  }
  return [
    map('thinktuning.schedule', t.schedule, [o(s('type'), SCHEDULE_TYPE[t.schedule], true)]),
    map('thinktuning.initialRate', t.initialRate, [o(s('init_pct'), t.initialRate, true)]),
    map('thinktuning.minRate', t.minRate, [o(s('min_pct'), t.minRate, true)]),
    map(
      'thinktuning.scheduleSteps',
      t.scheduleSteps,
      [o(s('num_train_steps'), 3 * t.scheduleSteps, true)],
      `The recipe decays over num_train_steps // 3 steps, so 3 × ${t.scheduleSteps}.`,
    ),
    map(
      'thinktuning.offThreshold',
      t.offThreshold,
      [
        o(s('eps'), Math.max(0, Math.round((t.offThreshold - 0.01) * 1e9) / 1e9), true),
        o(s('decay_rate'), 0.5, true),
      ],
      'The recipe stops guidance for good once rate ≤ eps + 0.01, so eps = offThreshold − 0.01 (the lab: off while rate < offThreshold). decay_rate is unused by the recipe and set to its script value.',
    ),
    none(
      'thinktuning.selection',
      t.selection,
      hardCoded('the recipe samples eligible rollouts at random'),
    ),
    none(
      'thinktuning.offPolicyScope',
      t.offPolicyScope,
      hardCoded('teacher_mask covers the whole rebuilt response (the lab’s "whole-response")'),
    ),
    none(
      'thinktuning.shaping',
      t.shaping,
      hardCoded(
        'core_algos uses advantage_aware_shaping with reversed clamp bounds, γ = −0.001 everywhere (the lab’s "reference-as-coded")',
      ),
    ),
    none('thinktuning.gammaScale', t.gammaScale, hardCoded('γ is hard-coded (see shaping)')),
    none(
      'thinktuning.lowConfidenceTau',
      t.lowConfidenceTau,
      hardCoded('the confidence cut is p < 0.01'),
    ),
    none(
      'thinktuning.lowConfidenceHandling',
      t.lowConfidenceHandling,
      hardCoded('low-confidence negative teacher tokens go to the PPO branch (the lab’s "ppo")'),
    ),
    none(
      'thinktuning.prefixCredit',
      t.prefixCredit ?? OPTIONAL_DEFAULTS.thinktuning.prefixCredit,
      hardCoded(
        'the whole rebuilt response carries the guided trajectory’s advantage (the lab’s "guided")',
      ),
    ),
    none(
      'thinktuning.droppedInNormaliser',
      t.droppedInNormaliser ?? OPTIONAL_DEFAULTS.thinktuning.droppedInNormaliser,
      hardCoded(
        'agg_loss divides by the response mask, so every response token counts (the lab’s true)',
      ),
    ),
  ];
}

function teacherMappings(c: RunConfig, target: VerlTarget): SettingMapping[] {
  const t = c.teacher;
  const grpo = 'The GRPO job has no teacher.';
  const http =
    'The recipe’s teacher is a local Hugging Face model run by vLLM inside the job (actor2_rollout_ref), not an HTTP endpoint.';
  const fork = target === 'thinktuning';
  const tt = (lab: string, value: unknown, note: string) => none(lab, value, fork ? note : grpo);
  return [
    fork
      ? map(
          'teacher.kind',
          t.kind,
          [o(`${TEACHER}.model.path`, shell('$TEACHER_MODEL_PATH'))],
          t.kind === 'builtin'
            ? 'The built-in teacher (which knows each answer) has no counterpart: the recipe prompts a model, $TEACHER_MODEL_PATH (default: the student, as in the paper), with the few-shot prompt in extra_info.'
            : `${http} $TEACHER_MODEL_PATH is that model (default: the student, as in the paper).`,
        )
      : none('teacher.kind', t.kind, grpo),
    tt('teacher.baseURL', t.baseURL, http),
    tt('teacher.model', t.model, `${http} Set TEACHER_MODEL_PATH.`),
    tt(
      'teacher.temperature',
      t.temperature,
      'The teacher decodes with actor2_rollout_ref.rollout settings, which copy the student’s; not set separately.',
    ),
    fork
      ? map(
          'teacher.maxTokens',
          t.maxTokens,
          [o('data.max_response_length_teacher', t.maxTokens, true)],
          'Longest teacher reply, in tokens.',
        )
      : none('teacher.maxTokens', t.maxTokens, grpo),
    tt('teacher.timeoutMs', t.timeoutMs, http),
    tt('teacher.retries', t.retries, http),
    tt('teacher.concurrency', t.concurrency, http),
    tt(
      'teacher.logprobs',
      t.logprobs,
      'The recipe never uses teacher log-probs (nor does the lab’s loss).',
    ),
    tt(
      'teacher.concise',
      t.concise,
      'Built-in teacher only; the recipe’s teacher follows the few-shot prompt in extra_info.',
    ),
    tt('teacher.circuitFailures', t.circuitFailures, http),
    tt('teacher.circuitCooldownMs', t.circuitCooldownMs, http),
    tt('teacher.stepDeadlineMs', t.stepDeadlineMs, http),
    tt(
      'teacher.walkthrough',
      t.walkthrough,
      'The built-in teacher’s phrase style; the recipe’s teacher model writes its own phrase.',
    ),
  ];
}

/** The run's algorithm: which script runs it. */
function algoMapping(c: RunConfig, target: VerlTarget): SettingMapping {
  return map(
    'rl.algo',
    c.rl.algo,
    [],
    target === 'verl'
      ? 'run_grpo.sh runs GRPO (verl.trainer.main_ppo); run_thinktuning.sh runs the ThinkTuning recipe.'
      : 'run_thinktuning.sh runs the recipe (recipe.thinktuning.main_thinktuning); run_grpo.sh the same run as GRPO.',
  );
}

/** Every lab setting with its verl overrides (or none) for one target. */
export function verlMapping(c: RunConfig, ctx: MappingContext): SettingMapping[] {
  return [
    algoMapping(c, ctx.target),
    ...optimMappings(c, ctx.target),
    ...batchMappings(c, ctx),
    ...lossMappings(c, ctx.target),
    ...samplingMappings(c),
    ...evalMappings(c, ctx.target),
    ...rewardMappings(c),
    ...thinkTuningMappings(c, ctx.target),
    ...teacherMappings(c, ctx.target),
    ...studentMappings(c),
    ...dataMappings(c, ctx.target),
    ...scratchMappings(c),
  ];
}

/** All overrides of a mapping, in table order; a key set twice is a bug and throws. */
export function mappedOverrides(mapping: readonly SettingMapping[]): VerlOverride[] {
  const seen = new Map<string, string>();
  const out: VerlOverride[] = [];
  for (const m of mapping)
    for (const ov of m.overrides) {
      const prev = seen.get(ov.key);
      if (prev) throw new Error(`verl key ${ov.key} is set by both ${prev} and ${m.lab}.`);
      seen.set(ov.key, m.lab);
      out.push(ov);
    }
  return out;
}
