import * as tf from '@tensorflow/tfjs';
import { fillNormal, mulberry32 } from '../random';
import type { ModelConfig } from './config';

/** Weights of one pre-norm transformer block (GPT-2 naming). */
export interface BlockParams {
  ln1g: tf.Variable; // [d]
  ln1b: tf.Variable; // [d]
  wqkv: tf.Variable; // [d, 3d]
  bqkv: tf.Variable; // [3d]
  wo: tf.Variable; // [d, d]
  bo: tf.Variable; // [d]
  ln2g: tf.Variable; // [d]
  ln2b: tf.Variable; // [d]
  w1: tf.Variable; // [d, m]
  b1: tf.Variable; // [m]
  w2: tf.Variable; // [m, d]
  b2: tf.Variable; // [d]
}

export interface ModelParams {
  wte: tf.Variable; // [V, d] token embeddings, tied with the output head
  wpe: tf.Variable; // [C, d] learned positions
  blocks: BlockParams[];
  lnfg: tf.Variable; // [d]
  lnfb: tf.Variable; // [d]
}

type BlockKey = keyof BlockParams;
const BLOCK_NAMES: Record<BlockKey, string> = {
  ln1g: 'ln_1.weight',
  ln1b: 'ln_1.bias',
  wqkv: 'attn.c_attn.weight',
  bqkv: 'attn.c_attn.bias',
  wo: 'attn.c_proj.weight',
  bo: 'attn.c_proj.bias',
  ln2g: 'ln_2.weight',
  ln2b: 'ln_2.bias',
  w1: 'mlp.c_fc.weight',
  b1: 'mlp.c_fc.bias',
  w2: 'mlp.c_proj.weight',
  b2: 'mlp.c_proj.bias',
};

/** Expected shape of every named tensor (names follow GPT-2's checkpoint layout). */
export function paramShapes(c: ModelConfig): Map<string, number[]> {
  const d = c.dModel;
  const m = c.mlpRatio * d;
  const shapes = new Map<string, number[]>([
    ['wte.weight', [c.vocab, d]],
    ['wpe.weight', [c.context, d]],
  ]);
  for (let l = 0; l < c.layers; l++) {
    const s: Record<BlockKey, number[]> = {
      ln1g: [d],
      ln1b: [d],
      wqkv: [d, 3 * d],
      bqkv: [3 * d],
      wo: [d, d],
      bo: [d],
      ln2g: [d],
      ln2b: [d],
      w1: [d, m],
      b1: [m],
      w2: [m, d],
      b2: [d],
    };
    for (const k of Object.keys(BLOCK_NAMES) as BlockKey[])
      shapes.set(`h.${l}.${BLOCK_NAMES[k]}`, s[k]);
  }
  shapes.set('ln_f.weight', [d]);
  shapes.set('ln_f.bias', [d]);
  return shapes;
}

/**
 * GPT-2 initialisation from a seed: weights ~ N(0, 0.02), residual projections scaled by
 * 1/sqrt(2 * layers), biases 0, norm gains 1. Values come from a JS PRNG so every backend
 * starts from identical numbers.
 */
export function initParams(c: ModelConfig, seed: number): Map<string, Float32Array> {
  const rng = mulberry32(seed);
  const out = new Map<string, Float32Array>();
  const residStd = 0.02 / Math.sqrt(2 * c.layers);
  for (const [name, shape] of paramShapes(c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (name.endsWith('.bias')) {
      // zeros
    } else if (name.startsWith('ln') || /\.ln_\d\.weight$/.test(name)) {
      data.fill(1);
    } else if (name.endsWith('c_proj.weight')) {
      fillNormal(rng, data, residStd);
    } else {
      fillNormal(rng, data, name === 'wpe.weight' ? 0.01 : 0.02);
    }
    out.set(name, data);
  }
  return out;
}

/** Wraps named arrays as trainable tf.Variables in the ModelParams structure. */
export function paramsFromArrays(c: ModelConfig, arrays: Map<string, Float32Array>): ModelParams {
  const shapes = paramShapes(c);
  const v = (name: string): tf.Variable => {
    const data = arrays.get(name);
    const shape = shapes.get(name);
    if (!data || !shape) throw new Error(`Checkpoint is missing tensor "${name}".`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      throw new Error(
        `Tensor "${name}" has ${data.length} values but the model config needs shape [${shape.join(', ')}]; check that config.json matches the weights.`,
      );
    }
    const init = tf.tensor(data, shape, 'float32');
    const variable = tf.variable(init, true); // copies; the source tensor is freed below
    init.dispose();
    return variable;
  };
  const blocks: BlockParams[] = [];
  for (let l = 0; l < c.layers; l++) {
    const b = {} as Record<BlockKey, tf.Variable>;
    for (const k of Object.keys(BLOCK_NAMES) as BlockKey[]) b[k] = v(`h.${l}.${BLOCK_NAMES[k]}`);
    blocks.push(b);
  }
  return {
    wte: v('wte.weight'),
    wpe: v('wpe.weight'),
    blocks,
    lnfg: v('ln_f.weight'),
    lnfb: v('ln_f.bias'),
  };
}

/** All variables with their checkpoint names, in a stable order. */
export function namedParams(p: ModelParams): Array<[string, tf.Variable]> {
  const out: Array<[string, tf.Variable]> = [
    ['wte.weight', p.wte],
    ['wpe.weight', p.wpe],
  ];
  p.blocks.forEach((b, l) => {
    for (const k of Object.keys(BLOCK_NAMES) as BlockKey[])
      out.push([`h.${l}.${BLOCK_NAMES[k]}`, b[k]]);
  });
  out.push(['ln_f.weight', p.lnfg], ['ln_f.bias', p.lnfb]);
  return out;
}

export function disposeParams(p: ModelParams): void {
  for (const [, v] of namedParams(p)) v.dispose();
}
