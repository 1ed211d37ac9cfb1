/**
 * The fused token pick (src/engine/backend/webgpu/gumbelPick.ts) on tfjs's WebGPU backend, for
 * parityMain.ts: ids against sample.ts' own pick on the cpu backend (Div, Add, ArgMax) for
 * vocabularies under, at and over the 64-lane workgroup, ties to the lowest id, one dispatch, and
 * a deliberately broken copy (multiplying by the temperature) that must disagree.
 */
import * as tf from '@tensorflow/tfjs';
import { gumbelPick } from '../../src/engine/backend/webgpu/gumbelPick';
import { pickTokens } from '../../src/engine/model/sample';
import { broken, counted, rand } from './util';

type Figures = Record<string, number | string | boolean>;

const CASES = [
  { name: 'v40', B: 3, V: 40, T: 0.7 },
  { name: 'v105', B: 40, V: 105, T: 1 },
  { name: 'v1000', B: 7, V: 1000, T: 1.3 },
];

/** Uniforms in (0, 1) for pickTokens, which turns them into g = -log(-log u). */
const uniforms = (n: number, seed: number) => rand(n, seed, 0.499, 0.5);

/** ids from the cpu backend's tfjs composition (the reference). */
async function cpuIds(logits: Float32Array, u: Float32Array, B: number, V: number, T: number) {
  await tf.setBackend('cpu');
  const ids = tf.tidy(() => pickTokens(tf.tensor2d(logits, [B, V]), T, 1, u));
  const out = Array.from(await ids.data());
  ids.dispose();
  await tf.setBackend('webgpu');
  return out;
}

/** ids from the fused kernel on WebGPU, with the dispatches it recorded. */
async function gpuIds(logits: Float32Array, u: Float32Array, B: number, V: number, T: number) {
  const g = Float32Array.from(u, (x) => -Math.log(-Math.log(x)));
  const l = tf.tensor2d(logits, [B, V]);
  const gt = tf.tensor2d(g, [B, V]);
  const { result: ids, dispatches } = counted(() => gumbelPick(l, gt, T));
  const out = Array.from(await ids.data());
  tf.dispose([l, gt, ids]);
  return { ids: out, dispatches };
}

export async function pickChecks(): Promise<Figures> {
  const out: Figures = {};
  for (const [c, { name, B, V, T }] of CASES.entries()) {
    const logits = rand(B * V, 101 + c, 3);
    const u = uniforms(B * V, 211 + c);
    const cpu = await cpuIds(logits, u, B, V, T);
    const gpu = await gpuIds(logits, u, B, V, T);
    out[`pick_${name}_same`] = JSON.stringify(gpu.ids) === JSON.stringify(cpu);
    out[`pick_${name}_dispatches`] = gpu.dispatches;
    // the picks are not all one id (the noise matters)
    out[`pick_${name}_distinct`] = new Set(cpu).size;
  }
  // ties: equal logits and equal noise in every lane -> the lowest id; a row with its maximum
  // at the last id; a tie between id 69 (lane 5) and id 10 (lane 10) -> 10, not the lower lane's
  const V = 130;
  const tie = new Float32Array(3 * V);
  tie[V + V - 1] = 5;
  tie[2 * V + 69] = 2;
  tie[2 * V + 10] = 2;
  const half = new Float32Array(3 * V).fill(0.5);
  out.pick_ties = JSON.stringify((await gpuIds(tie, half, 3, V, 1)).ids);
  out.pick_ties_cpu = JSON.stringify(await cpuIds(tie, half, 3, V, 1));
  // broken on purpose: z = logits * T + g instead of logits / T + g
  const { name, B, V: V2, T } = CASES[2];
  const logits = rand(B * V2, 103, 3);
  const u = uniforms(B * V2, 213);
  const cpu = await cpuIds(logits, u, B, V2, T);
  const bad = await broken(
    'thinktuningGumbelPick',
    '/ uniforms.temperature',
    '* uniforms.temperature',
    () => gpuIds(logits, u, B, V2, T),
  );
  out[`pick_${name}_broken_same`] = JSON.stringify(bad.ids) === JSON.stringify(cpu);
  return out;
}
