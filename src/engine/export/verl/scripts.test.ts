import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RunConfigSchema, type RunConfig } from '../../../contract/config';
import { presetConfig } from '../../../contract/presets';
import { overrideWord, hydraValue } from './hydra';
import { verlMapping } from './mapping';
import { grpoScript, largestDivisorAtMost, scriptOverrides, thinkTuningScript } from './scripts';

const REFERENCE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../../shared/reference/verl/_generated_ppo_trainer.yaml',
);

/** Every key path of a block-style YAML mapping ("a.b.c"); list items and continuation lines skipped. */
function yamlKeyPaths(text: string): Set<string> {
  const paths = new Set<string>();
  const stack: Array<{ indent: number; key: string }> = [];
  for (const line of text.split('\n')) {
    const m = /^( *)(?:'([^']+)'|([A-Za-z0-9_]+)):(?: |$)/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    const indent = m[1].length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    stack.push({ indent, key: m[2] ?? m[3] });
    paths.add(stack.map((s) => s.key).join('.'));
  }
  return paths;
}

/**
 * Key paths the ThinkTuning fork's config has (recipe/thinktuning/config/thinktuning_trainer.yaml,
 * 3rdAT/ThinkTuning @816102c), limited to those an export may set without "++".
 */
const FORK_KEYS = new Set([
  ...[
    'train_files',
    'val_files',
    'max_prompt_length',
    'max_response_length',
    'train_batch_size',
    'filter_overlong_prompts',
    'truncation',
  ].map((k) => `data.${k}`),
  ...[
    'model.path',
    'model.lora_rank',
    'model.lora_alpha',
    'model.target_modules',
    'actor.ppo_mini_batch_size',
    'actor.ppo_micro_batch_size_per_gpu',
    'actor.grad_clip',
    'actor.clip_ratio',
    'actor.clip_ratio_low',
    'actor.clip_ratio_high',
    'actor.clip_ratio_c',
    'actor.loss_agg_mode',
    'actor.entropy_coeff',
    'actor.use_kl_loss',
    'actor.kl_loss_coef',
    'actor.kl_loss_type',
    'actor.ppo_epochs',
    'actor.optim.lr',
    'actor.optim.lr_warmup_steps',
    'actor.optim.min_lr_ratio',
    'actor.optim.warmup_style',
    'actor.optim.weight_decay',
    'ref.log_prob_micro_batch_size_per_gpu',
    'rollout.name',
    'rollout.temperature',
    'rollout.top_p',
    'rollout.gpu_memory_utilization',
    'rollout.tensor_model_parallel_size',
    'rollout.log_prob_micro_batch_size_per_gpu',
    'rollout.n',
  ].map((k) => `actor_rollout_ref.${k}`),
  'actor2_rollout_ref.model.path',
  'reward_model.reward_manager',
  'custom_reward_function.path',
  'custom_reward_function.name',
  'algorithm.adv_estimator',
  'algorithm.norm_adv_by_std_in_grpo',
  'algorithm.use_kl_in_reward',
  ...[
    'total_epochs',
    'total_training_steps',
    'logger',
    'project_name',
    'experiment_name',
    'rollout_data_dir',
    'validation_data_dir',
    'nnodes',
    'n_gpus_per_node',
    'save_freq',
    'val_before_train',
    'test_freq',
    'default_local_dir',
  ].map((k) => `trainer.${k}`),
]);

const opts = { name: 'lab', trainRows: 20000, evalRows: 64, ttTrainRows: 480 };

/** Configs that switch on every branch of the mapping. */
function variants(): Array<[string, RunConfig]> {
  const lab = presetConfig('lab');
  const everything = presetConfig('smollm2-135m-instruct');
  everything.rl.lrSchedule = 'linear-warmup-cosine';
  everything.rl.klBeta = 0.05;
  everything.rl.aggregation = 'seq-mean-token-sum-norm';
  everything.rl.dualClip = null;
  everything.rl.advantage = 'batch-std';
  everything.reward.lengthPenalty = 0.2;
  everything.reward.format = 0.1;
  everything.reward.catchphrase = 'Thalapathy Vijay';
  return [
    ['lab', lab],
    ['unknown-behavior', presetConfig('unknown-behavior')],
    ['reference', presetConfig('reference')],
    ['every branch', everything],
  ];
}

describe('run_grpo.sh', () => {
  const reference = yamlKeyPaths(readFileSync(REFERENCE, 'utf8'));

  it('reads the reference config (sanity check of the key reader)', () => {
    expect(reference.has('actor_rollout_ref.actor.optim.lr')).toBe(true);
    expect(reference.has('actor_rollout_ref.rollout.n')).toBe(true);
    expect(reference.has('trainer.total_training_steps')).toBe(true);
    expect(reference.has('actor_rollout_ref.actor.optim.bogus')).toBe(false);
  });

  it.each(variants())('%s: every key it sets is in the reference config or carries ++', (_n, c) => {
    for (const ov of scriptOverrides(c, opts, false))
      if (!ov.add) expect(reference.has(ov.key), ov.key).toBe(true);
    const text = grpoScript(c, opts);
    for (const m of text.matchAll(/^ {2}'?(\+\+)?([a-z0-9_.]+)=/gm))
      expect(m[1] === '++' || reference.has(m[2]), m[2]).toBe(true);
  });

  it('maps the lab settings with a verl counterpart to their values (lab preset, hand-checked)', () => {
    const text = grpoScript(presetConfig('lab'), opts);
    for (const word of [
      'algorithm.adv_estimator=grpo',
      'actor_rollout_ref.actor.optim.lr=0.00001',
      'actor_rollout_ref.rollout.n=5',
      'data.train_batch_size=8',
      'actor_rollout_ref.actor.ppo_mini_batch_size=8',
      'actor_rollout_ref.actor.ppo_epochs=1',
      'actor_rollout_ref.actor.clip_ratio_low=0.2',
      'actor_rollout_ref.actor.clip_ratio_high=0.2',
      'actor_rollout_ref.actor.clip_ratio_c=3',
      'actor_rollout_ref.actor.loss_agg_mode=token-mean',
      'actor_rollout_ref.actor.use_kl_loss=False',
      'actor_rollout_ref.actor.entropy_coeff=0',
      'actor_rollout_ref.rollout.temperature=1',
      'actor_rollout_ref.rollout.top_p=1',
      'data.max_response_length=160',
      'trainer.total_training_steps=60',
      'trainer.test_freq=5',
      'trainer.save_freq=10',
      'python3 -m verl.trainer.main_ppo',
      'actor_rollout_ref.model.path="$MODEL_PATH"',
      'custom_reward_function.path="$HERE/lab_reward.py"',
    ])
      expect(text, word).toContain(word);
  });

  it('KL, cosine schedule, Dr. GRPO norm, length penalty and LoRA map to their flags', () => {
    const c = variants()[3][1];
    const words = scriptOverrides(c, opts, false).map(overrideWord);
    for (const w of [
      'actor_rollout_ref.actor.use_kl_loss=True',
      'actor_rollout_ref.actor.kl_loss_coef=0.05',
      'actor_rollout_ref.actor.kl_loss_type=low_var_kl',
      'actor_rollout_ref.actor.optim.lr_scheduler_type=cosine',
      'actor_rollout_ref.actor.optim.min_lr_ratio=1', // minLr = lr in the preset
      'actor_rollout_ref.actor.loss_agg_mode=seq-mean-token-sum-norm',
      'actor_rollout_ref.actor.loss_scale_factor=256',
      'actor_rollout_ref.actor.clip_ratio_c=1000000000',
      'algorithm.adv_estimator=reinforce_plus_plus_baseline',
      'reward_model.reward_manager=dapo',
      '++reward_model.reward_kwargs.overlong_buffer_cfg.penalty_factor=0.2',
      '++reward_model.reward_kwargs.overlong_buffer_cfg.len=256',
      'actor_rollout_ref.model.lora_rank=16',
      'actor_rollout_ref.model.lora_alpha=32',
    ])
      expect(words, w).toContain(w);
    expect(words).toContain(
      "'actor_rollout_ref.model.target_modules=[q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj]'",
    );
    expect(grpoScript(c, opts)).toContain(
      'MODEL_PATH="${MODEL_PATH:-HuggingFaceTB/SmolLM2-135M-Instruct}"',
    );
  });
});

describe('run_thinktuning.sh', () => {
  it.each(variants())(
    '%s: keys without ++ are in the fork config; the scheduler keys are added',
    (_n, c) => {
      for (const ov of scriptOverrides(c, opts, true))
        if (!ov.add) expect(FORK_KEYS.has(ov.key), ov.key).toBe(true);
    },
  );

  it('maps the teacher schedule to the recipe (hand-checked for the lab preset)', () => {
    const c = presetConfig('lab'); // linear 0.1 -> 0.01 over 20 steps, off below 0.05
    const text = thinkTuningScript(c, opts);
    for (const word of [
      'python3 -m recipe.thinktuning.main_thinktuning',
      '++actor2_rollout_ref.teaching_scheduler.type=linear',
      '++actor2_rollout_ref.teaching_scheduler.init_pct=0.1',
      '++actor2_rollout_ref.teaching_scheduler.min_pct=0.01',
      '++actor2_rollout_ref.teaching_scheduler.num_train_steps=60', // 3 x 20: decays over //3
      '++actor2_rollout_ref.teaching_scheduler.eps=0.04', // off at rate <= eps + 0.01
      '++actor2_rollout_ref.teaching_scheduler.decay_rate=0.5',
      '++data.max_response_length_teacher=512',
      '++data.max_prompt_length_teacher=3072',
      'actor2_rollout_ref.model.path="$TEACHER_MODEL_PATH"',
      'actor_rollout_ref.actor.optim.warmup_style=constant',
      'cd "$THINKTUNING_VERL_DIR"',
      'data.train_files="$HERE/data/thinktuning/train.parquet"',
    ])
      expect(text, word).toContain(word);
    expect(text).toMatch(/OWN bundled verl/);
    expect(text).not.toContain('lr_scheduler_type');
  });
});

describe('the mapping', () => {
  /** Leaf paths of the zod schema: every field a RunConfig can have. */
  function schemaLeaves(): string[] {
    const out: string[] = [];
    for (const [section, schema] of Object.entries(RunConfigSchema.shape)) {
      const shape = (schema as { shape?: Record<string, unknown> }).shape;
      if (shape) for (const k of Object.keys(shape)) out.push(`${section}.${k}`);
      else out.push(section);
    }
    return out;
  }

  it.each(['verl', 'thinktuning'] as const)(
    '%s: lists every RunConfig field once (add new fields to mapping.ts)',
    (target) => {
      const labs = verlMapping(presetConfig('lab'), { target, trainRows: 100, evalRows: 10 }).map(
        (m) => m.lab,
      );
      expect(new Set(labs).size).toBe(labs.length);
      expect([...labs].sort()).toEqual(schemaLeaves().sort());
    },
  );

  it('settings without a counterpart say why', () => {
    for (const m of verlMapping(presetConfig('lab'), {
      target: 'verl',
      trainRows: 100,
      evalRows: 10,
    }))
      if (!m.counterpart || m.overrides.length === 0)
        expect(m.note.length, m.lab).toBeGreaterThan(10);
  });

  it('mini-batches that do not split B evenly are reported', () => {
    const c = presetConfig('smollm2-135m-instruct'); // B = 2, miniBatches = 4
    const m = verlMapping(c, { target: 'verl', trainRows: 100, evalRows: 10 }).find(
      (x) => x.lab === 'rl.miniBatches',
    )!;
    expect(m.overrides).toEqual([{ key: 'actor_rollout_ref.actor.ppo_mini_batch_size', value: 1 }]);
    expect(m.note).toContain('2 vs 4 updates per step');
  });

  it('hydra values and bash quoting', () => {
    expect(hydraValue(1e-6)).toBe('0.000001');
    expect(hydraValue(true)).toBe('True');
    expect(hydraValue(['console'])).toBe('[console]');
    expect(hydraValue("it's")).toBe("'it\\'s'");
    expect(overrideWord({ key: 'a.b', value: 'x y' })).toBe("'a.b='\\''x y'\\'''");
    expect(largestDivisorAtMost(40, 8)).toBe(8);
    expect(largestDivisorAtMost(10, 8)).toBe(5);
    expect(largestDivisorAtMost(7, 8)).toBe(7);
  });
});
