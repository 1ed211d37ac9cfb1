import * as tf from '@tensorflow/tfjs';
import type { CausalLM, ForwardOptions, ForwardResult, LayerKV } from './causalLM';
import { linearPath, llamaWeightShapes, type LlamaConfig } from './llamaConfig';
import { LLAMA_LINEAR_MODULES } from '../../contract/llamaModules';
import { LoraAdapters, type LoraOptions } from './lora';
import { applyRope, ropeInvFreq, ropeTables } from './rope';
import { attention, swigluOp } from './fusedOps';
import { causalBias } from './transformer';

/**
 * A Llama-family decoder (Llama, SmolLM2; Qwen2 = Llama + q/k/v biases) loaded from a Hugging
 * Face checkpoint, with the same contract as the lab's TransformerModel:
 *
 *   x = embed[tokens]
 *   per layer:  h = RMSNorm(x);  q, k, v = h Wq^T (+bq), h Wk^T (+bk), h Wv^T (+bv)
 *               q, k = rope(q), rope(k) at each token's position
 *               x = x + softmax(q k^T / sqrt(hd) + bias) v Wo^T       (GQA: kv head = q head / (H/KV))
 *               x = x + down(silu(gate(RMSNorm(x))) * up(RMSNorm(x)))
 *   logits = RMSNorm(x) head^T        (head = embed when tied)
 *   RMSNorm(x) = x / sqrt(mean(x^2) + eps) * w
 *
 * Layout: every 2-D weight is stored transposed, [in, out] (x W on the device), except the
 * embedding of an untied model, which stays [vocab, d] for the lookup. A tied embedding is
 * stored [d, vocab]: the head is then x E^T without a transpose and the lookup gathers columns.
 * On WASM a matmul whose right side is transposed is slow (XNNPACK takes [K, N] operands), so
 * decoding, which runs every linear layer per token, gains most; PyTorch's [out, in] layout is
 * restored by `toArrays` and `hfWeights`.
 * Training is either LoRA (the base weights are frozen tensors, `variables()` = the adapters) or
 * full fine-tuning (`variables()` = every weight). With LoRA the embedding gets no gradient, so
 * the lookup is always a gather: the one-hot form exists only to give the embedding a gradient
 * on WASM, and a one-hot [tokens, vocab] matrix of a 150k vocabulary would not fit anyway.
 */

/** Base weights, shared between a LoRA model and its frozen clones (reference counted). */
class SharedWeights {
  private refs = 1;
  constructor(readonly tensors: Map<string, tf.Tensor>) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) for (const t of this.tensors.values()) t.dispose();
  }
}

export interface LlamaModelOptions {
  /** LoRA adapters (frozen base) or null for full fine-tuning. */
  lora: LoraOptions | null;
  /** With lora null: keep every weight frozen (sampling only; see `withTraining`). */
  frozen?: boolean;
}

export class LlamaModel implements CausalLM {
  readonly config: LlamaConfig;
  /** The adapters, when training with LoRA. */
  readonly lora: LoraAdapters | null;
  private readonly base: SharedWeights;
  private readonly invFreq: tf.Tensor1D;
  /** The base weights are trainable variables (full fine-tuning). */
  private readonly trainsBase: boolean;

  private constructor(
    config: LlamaConfig,
    base: SharedWeights,
    lora: LoraAdapters | null,
    trainsBase: boolean,
  ) {
    validateLlamaConfig(config);
    this.config = config;
    this.base = base;
    this.lora = lora;
    this.trainsBase = trainsBase;
    this.invFreq = tf.tensor1d(Float32Array.from(ropeInvFreq(config.headDim, config.rope)));
  }

  /**
   * A model from its base weights by Hugging Face name (ownership passes to the model). Shapes
   * are checked; with full fine-tuning the weights become trainable variables.
   */
  static fromTensors(
    config: LlamaConfig,
    tensors: Map<string, tf.Tensor>,
    opts: LlamaModelOptions,
  ): LlamaModel {
    validateLlamaConfig(config);
    const shapes = llamaWeightShapes(config);
    const missing = [...shapes.keys()].filter((n) => !tensors.has(n));
    if (missing.length > 0) {
      throw new Error(
        `The checkpoint lacks ${missing.length} weight(s) the ${config.architecture} config needs, e.g. ${missing.slice(0, 3).join(', ')}; check that config.json belongs to these weights.`,
      );
    }
    for (const [name, shape] of shapes) {
      const t = tensors.get(name)!;
      if (t.shape.join(',') !== shape.join(',')) {
        throw new Error(
          `Weight "${name}" has shape [${t.shape.join(', ')}] but config.json implies [${shape.join(', ')}].`,
        );
      }
    }
    const trainsBase = !opts.lora && !opts.frozen;
    const kept = new Map<string, tf.Tensor>();
    for (const name of shapes.keys()) {
      const t = tensors.get(name)!;
      const stored = storedTransposed(config, name, t.rank) ? tf.transpose(t) : t;
      if (stored !== t) t.dispose();
      if (!trainsBase) kept.set(name, stored);
      else {
        kept.set(name, tf.variable(stored, true));
        stored.dispose();
      }
    }
    for (const [name, t] of tensors) if (!shapes.has(name)) t.dispose();
    const lora = opts.lora ? LoraAdapters.create(config, opts.lora) : null;
    return new LlamaModel(config, new SharedWeights(kept), lora, trainsBase);
  }

  /**
   * A model to train from this one's frozen weights: LoRA shares them (fresh adapters, B = 0);
   * full fine-tuning copies them into variables. This model stays usable (and frozen).
   */
  withTraining(opts: { lora: LoraOptions | null }): LlamaModel {
    if (this.trainsBase)
      throw new Error('withTraining needs a frozen model (load it with LoRA or frozen: true).');
    if (opts.lora) {
      const lora = LoraAdapters.create(this.config, opts.lora);
      return new LlamaModel(this.config, this.base.retain(), lora, false);
    }
    const copy = new Map<string, tf.Tensor>();
    for (const [name, t] of this.base.tensors) copy.set(name, tf.variable(t, true));
    return new LlamaModel(this.config, new SharedWeights(copy), null, true);
  }

  /** A model from named arrays (tests, small models). */
  static fromArrays(
    config: LlamaConfig,
    arrays: Map<string, Float32Array>,
    opts: LlamaModelOptions,
  ): LlamaModel {
    const shapes = llamaWeightShapes(config);
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, shape] of shapes) {
      const data = arrays.get(name);
      if (!data) continue; // fromTensors names what is missing
      if (data.length !== shape.reduce((a, b) => a * b, 1)) {
        tensors.forEach((t) => t.dispose());
        throw new Error(
          `Weight "${name}" has ${data.length} values but config.json implies [${shape.join(', ')}].`,
        );
      }
      tensors.set(name, tf.tensor(data, shape, 'float32'));
    }
    return LlamaModel.fromTensors(config, tensors, opts);
  }

  /** True when the base weights (the embedding among them) get no gradient: LoRA or frozen. */
  get frozenBase(): boolean {
    return !this.trainsBase;
  }

  /** The adapters (LoRA), every weight (full fine-tuning), or nothing (frozen). */
  variables(): tf.Variable[] {
    if (this.lora) return this.lora.variables();
    return this.trainsBase ? ([...this.base.tensors.values()] as tf.Variable[]) : [];
  }

  /**
   * The base weights as stored, by Hugging Face name: frozen tensors (LoRA) or variables (full
   * fine-tuning), 2-D ones transposed (see the layout note above; `hfWeights` undoes it).
   */
  weights(): ReadonlyMap<string, tf.Tensor> {
    return this.base.tensors;
  }

  /** The base weights in PyTorch's layout ([out, in]), read back, by Hugging Face name. */
  async hfWeights(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of this.base.tensors) {
      const hf = storedTransposed(this.config, name, t.rank) ? tf.transpose(t) : t;
      out.set(name, { shape: hf.shape, data: (await hf.data()) as Float32Array });
      if (hf !== t) hf.dispose();
    }
    return out;
  }

  /** Base weights (HF names and layout) and, with LoRA, the adapters ("<module>.lora_A.weight"). */
  async toArrays(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, w] of await this.hfWeights()) out.set(name, w.data);
    if (this.lora) for (const [k, v] of await this.lora.toArrays()) out.set(k, v);
    return out;
  }

  /**
   * A frozen copy with the current weights (the KL reference). With LoRA the frozen base is
   * shared, not copied, and only the adapters are copied.
   */
  clone(): LlamaModel {
    if (!this.trainsBase)
      return new LlamaModel(this.config, this.base.retain(), this.lora?.copy(false) ?? null, false);
    const copy = new Map<string, tf.Tensor>();
    for (const [name, t] of this.base.tensors) copy.set(name, tf.variable(t, false));
    return new LlamaModel(this.config, new SharedWeights(copy), null, false);
  }

  dispose(): void {
    this.lora?.dispose();
    this.base.release();
    this.invFreq.dispose();
  }

  private w(name: string): tf.Tensor {
    return this.base.tensors.get(name)!;
  }

  /** x W^T (+ b) (+ LoRA) for one linear module; x [N, in] -> [N, out] (W stored as W^T). */
  private linear(path: string, x: tf.Tensor2D): tf.Tensor2D {
    let y = tf.matMul(x, this.w(`${path}.weight`) as tf.Tensor2D) as tf.Tensor2D;
    const b = this.base.tensors.get(`${path}.bias`);
    if (b) y = y.add(b) as tf.Tensor2D;
    const d = this.lora?.delta(path, x);
    return d ? (y.add(d) as tf.Tensor2D) : y;
  }

  private rmsNorm(x: tf.Tensor, weight: string): tf.Tensor {
    const ms = x.square().mean(-1, true);
    return x.mul(tf.rsqrt(ms.add(this.config.rmsEps))).mul(this.w(weight));
  }

  /** Full or cached forward pass; tokens [B, T] int32. Call inside tf.tidy or dispose the result. */
  forward(tokens: tf.Tensor2D, opts: ForwardOptions = {}): ForwardResult {
    const [B, T] = tokens.shape;
    const Tout = opts.lastOnly ? 1 : T;
    const { hidden, present } = this.trunk(tokens, opts);
    const logits = tf.matMul(hidden, this.head()).reshape([B, Tout, this.config.vocab]);
    return { logits: logits as tf.Tensor3D, present };
  }

  /** The head's weight [d, V] (the embedding when tied). */
  private head(): tf.Tensor2D {
    const name = this.config.tiedHead ? 'model.embed_tokens.weight' : 'lm_head.weight';
    return this.w(name) as tf.Tensor2D;
  }

  /** See CausalLM: with LoRA or a frozen base the head gets no gradient. */
  frozenHeadForward(
    tokens: tf.Tensor2D,
    opts: ForwardOptions = {},
  ): { hidden: tf.Tensor2D; head: tf.Tensor2D } | null {
    if (this.trainsBase) return null;
    // The keys/values stay (the tape may hold them); the caller's tidy frees them.
    return { hidden: this.trunk(tokens, opts).hidden, head: this.head() };
  }

  /** Everything but the head: final RMSNorm output [B*Tout, d] and per-layer keys/values. */
  private trunk(
    tokens: tf.Tensor2D,
    opts: ForwardOptions,
  ): { hidden: tf.Tensor2D; present: LayerKV[] } {
    const c = this.config;
    const { vocab: V, hidden: d, heads: H, kvHeads: KV, headDim: hd } = c;
    const R = H / KV;
    const [B, T] = tokens.shape;
    const pastLen = opts.past?.[0]?.k.shape[2] ?? 0;
    const S = pastLen + T;
    if (!opts.positions && S > c.context) {
      throw new Error(
        `Sequence of ${S} tokens exceeds the model context (${c.context}); shorten the input.`,
      );
    }
    const embed = this.w('model.embed_tokens.weight') as tf.Tensor2D; // [V, d], tied: [d, V]
    const ids = tokens.reshape([B * T]).toInt() as tf.Tensor1D;
    const onehot = this.trainsBase && opts.embed !== 'gather';
    let x: tf.Tensor2D; // [B*T, d]
    if (onehot) {
      const oh = tf.oneHot(ids, V).toFloat() as tf.Tensor2D; // onehot(tokens) E
      x = tf.matMul(oh, embed, false, c.tiedHead);
    } else if (c.tiedHead) x = tf.gather(embed, ids, 1).transpose() as tf.Tensor2D;
    else x = tf.gather(embed, ids) as tf.Tensor2D;
    const positions = opts.positions ?? (tf.range(pastLen, S).reshape([1, T]) as tf.Tensor2D);
    const { cos, sin } = ropeTables(positions, this.invFreq); // [B|1, 1, T, hd]
    const scale = 1 / Math.sqrt(hd);
    const heads = (t: tf.Tensor2D, n: number) =>
      t.reshape([B, T, n, hd]).transpose([0, 2, 1, 3]) as tf.Tensor4D; // [B, n, T, hd]
    const present: LayerKV[] = [];
    // Query head h uses kv head floor(h / R): the R query heads of each kv head are grouped as
    // rows (r, t) of one [R*T, hd] block, so every row needs token t's bias: [b, 1, T, S] is
    // tiled to [b, 1, R*T, S] (a per-head bias [b, H, T, S] regroups as [b, KV, R*T, S]).
    const bias = groupedBias(opts.bias ?? causalBias(T, S), H, KV, T, S);
    for (let l = 0; l < c.layers; l++) {
      const p = `model.layers.${l}`;
      const at = (m: (typeof LLAMA_LINEAR_MODULES)[number]) => linearPath(l, m);
      // Each layer in its own tidy: without a tape its intermediates go before the next layer.
      const out = tf.tidy(() => {
        const h = this.rmsNorm(x, `${p}.input_layernorm.weight`) as tf.Tensor2D;
        const q = applyRope(heads(this.linear(at('q_proj'), h), H), cos, sin); // [B, H, T, hd]
        let k = applyRope(heads(this.linear(at('k_proj'), h), KV), cos, sin); // [B, KV, T, hd]
        let v = heads(this.linear(at('v_proj'), h), KV);
        const past = opts.past?.[l];
        if (past) {
          k = tf.concat([past.k, k], 2);
          v = tf.concat([past.v, v], 2);
        }
        // softmax(scale q k^T + bias) v per kv head (fusedOps: keeps P or recomputes it in slices)
        const qg = q.reshape([B, KV, R * T, hd]) as tf.Tensor4D;
        const y = attention(qg, k, v, bias, scale) // [B, KV, R*T, hd]
          .reshape([B, H, T, hd])
          .transpose([0, 2, 1, 3])
          .reshape([B * T, H * hd]) as tf.Tensor2D;
        const x1 = x.add(this.linear(at('o_proj'), y)) as tf.Tensor2D;
        const h2 = this.rmsNorm(x1, `${p}.post_attention_layernorm.weight`) as tf.Tensor2D;
        const gate = this.linear(at('gate_proj'), h2);
        const up = this.linear(at('up_proj'), h2);
        const act = swigluOp(gate, up) as tf.Tensor2D; // silu(gate) * up
        return { x: x1.add(this.linear(at('down_proj'), act)) as tf.Tensor2D, k, v };
      });
      present.push({ k: out.k, v: out.v }); // kv heads only: [B, KV, S, hd]
      x = out.x;
    }
    const Tout = opts.lastOnly ? 1 : T;
    let last: tf.Tensor = x;
    if (opts.lastOnly) last = x.reshape([B, T, d]).slice([0, T - 1, 0], [B, 1, d]);
    const hidden = this.rmsNorm(last.reshape([B * Tout, d]), 'model.norm.weight') as tf.Tensor2D;
    return { hidden, present };
  }
}

/** The attention bias for grouped query rows (see forward): [b, 1|KV, R*T, S]. */
function groupedBias(bias: tf.Tensor, H: number, KV: number, T: number, S: number): tf.Tensor {
  const R = H / KV;
  const b4 =
    bias.rank === 4 ? bias : bias.reshape([...Array(4 - bias.rank).fill(1), ...bias.shape]);
  const [b0, h0, t0] = b4.shape;
  if (h0 === H && H !== 1) return b4.reshape([b0, KV, R * t0, S]);
  if (h0 !== 1) throw new Error(`attention bias must have 1 or ${H} heads (got ${h0}).`);
  if (R === 1) return b4;
  return tf.tile(t0 === T ? b4 : tf.broadcastTo(b4, [b0, 1, T, S]), [1, 1, R, 1]);
}

/** Whether a weight is stored transposed: every 2-D one but an untied embedding. */
function storedTransposed(c: LlamaConfig, name: string, rank: number): boolean {
  return rank === 2 && (c.tiedHead || name !== 'model.embed_tokens.weight');
}

/** Throws a message naming the bad field and the fix. */
export function validateLlamaConfig(c: LlamaConfig): void {
  for (const k of [
    'vocab',
    'hidden',
    'intermediate',
    'layers',
    'heads',
    'kvHeads',
    'headDim',
    'context',
  ] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0)
      throw new Error(`${k} must be a positive integer (got ${String(c[k])}).`);
  }
  if (c.heads % c.kvHeads !== 0) {
    throw new Error(
      `num_attention_heads (${c.heads}) must be a multiple of num_key_value_heads (${c.kvHeads}).`,
    );
  }
  if (c.headDim % 2 !== 0) throw new Error(`head_dim must be even for RoPE (got ${c.headDim}).`);
  if (!(c.rmsEps > 0)) throw new Error(`rms_norm_eps must be positive (got ${c.rmsEps}).`);
  if (!(c.rope.theta > 0)) throw new Error(`rope_theta must be positive (got ${c.rope.theta}).`);
}
