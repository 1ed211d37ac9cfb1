/**
 * A run that starts from a checkpoint (`train --init`, `train --resume`) trains the checkpoint's
 * model with its tokenizer, whatever the preset says: the run's config takes the checkpoint's
 * `model` and `tokenizer` sections, so config.json records the model that is trained. A
 * `--set model.*` or `--set tokenizer.*` that asks for something else cannot apply and is refused.
 */
import type { RunConfig } from '../../contract/config';
import type { CheckpointMeta } from '../../engine/store/checkpoint';

const FIXED_SECTIONS = ['model', 'tokenizer'] as const;

/** The config with the checkpoint's model shape and tokenizer settings (see the top of this file). */
export function adoptModelShape(
  config: RunConfig,
  meta: CheckpointMeta,
  sets: readonly string[],
  source: string,
): RunConfig {
  const m = meta.model;
  const model: RunConfig['model'] = {
    dModel: m.dModel,
    layers: m.layers,
    heads: m.heads,
    context: m.context,
    mlpRatio: m.mlpRatio,
    ...(m.positions !== undefined ? { positions: m.positions } : {}),
  };
  const adopted: RunConfig = { ...config, model, tokenizer: { ...meta.run.tokenizer } };
  for (const s of sets) {
    const path = s.slice(0, Math.max(0, s.indexOf('='))).trim();
    const [section, field] = path.split('.');
    if (!FIXED_SECTIONS.includes(section as (typeof FIXED_SECTIONS)[number]) || !field) continue;
    const want = withDefault(field, (config[section as 'model'] as Record<string, unknown>)[field]);
    const have = withDefault(
      field,
      (adopted[section as 'model'] as Record<string, unknown>)[field],
    );
    if (JSON.stringify(want) !== JSON.stringify(have))
      throw new Error(
        `--set ${path}=${JSON.stringify(want)} cannot apply: ${source} fixes ${section}.${field} at ${JSON.stringify(have)} (it holds a trained ${section === 'model' ? 'model of that shape' : 'tokenizer'}). Drop the --set, or train a new student without --init.`,
      );
  }
  return adopted;
}

/** Optional fields read as their defaults (a missing `positions` is "learned"). */
function withDefault(field: string, v: unknown): unknown {
  if (v !== undefined) return v;
  if (field === 'positions') return 'learned';
  if (field === 'splitDigits') return false;
  return v;
}
