import * as tf from '@tensorflow/tfjs';
import type { CausalLM, ForwardOptions, ForwardResult, LayerKV } from './causalLM';
import { linearPath, llamaWeightShapes, type LlamaConfig } from './llamaConfig';
import { LLAMA_LINEAR_MODULES, type LlamaLinear } from '../../contract/llamaModules';
import { LoraAdapters, loraDelta, type LoraOptions } from './lora';
import { MergedLora, mergesOn, type MergeForDecoding } from './loraMerge';
import { applyRope, ropeInvFreq, ropeTables } from './rope';
import { attention, frozenGather, frozenMatMul, headLogits, swigluOp } from './fusedOps';
import { causalBias } from './transformer';
import { fusedWebGPUActive, webgpuRmsNorm } from '../backend/webgpuKernels';
import { webgpuRopeHeads, webgpuSwiglu } from '../backend/webgpu/llamaDecode';

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
  /**
   * LoRA folded into the base weights while decoding with the KV cache (loraMerge.ts): by
   * default on WebGPU, where a step is bound by dispatches; elsewhere the extra copy of the
   * adapted weights is not worth it (the WASM heap holds 4 GB).
   */
  mergeForDecoding: MergeForDecoding = 'webgpu';
  private readonly merged = new MergedLora();
  /** Bytes of the merged decoding weights: one float32 copy of every adapted weight. */
  private readonly mergedBytes: number;

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
    let adapted = 0;
    for (const path of lora?.pairs.keys() ?? [])
      adapted += base.tensors.get(`${path}.weight`)!.size;
    this.mergedBytes = 4 * adapted;
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

  /** Frees the merged decoding weights (sample() calls it when a rollout ends). */
  releaseDecodeCache(): void {
    this.merged.release();
  }

  dispose(): void {
    this.merged.release();
    this.lora?.dispose();
    this.base.release();
    this.invFreq.dispose();
  }

  private w(name: string): tf.Tensor {
    return this.base.tensors.get(name)!;
  }

  /**
   * x W^T (+ b) (+ LoRA) for one linear module; x [N, in] -> [N, out] (W stored as W^T). The
   * adapter tensors come from `adapters` when given (a checkpointed layer passes its inputs),
   * else from the model's variables.
   */
  private linear(
    path: string,
    x: tf.Tensor2D,
    adapters: LayerAdapters | null,
    merged: MergedWeights | null,
  ): tf.Tensor2D {
    const b = this.base.tensors.get(`${path}.bias`);
    const m = merged?.get(path);
    if (m) return (b ? tf.matMul(x, m).add(b) : tf.matMul(x, m)) as tf.Tensor2D; // x W'^T (+ b)
    const w = this.w(`${path}.weight`) as tf.Tensor2D;
    let y = this.trainsBase ? (tf.matMul(x, w) as tf.Tensor2D) : frozenMatMul(x, w);
    if (b) y = y.add(b) as tf.Tensor2D;
    const pair = adapters ? adapters.get(path) : this.lora?.pairs.get(path);
    if (!pair || !this.lora) return y;
    return y.add(loraDelta(x, pair.a, pair.b, this.lora.scale)) as tf.Tensor2D;
  }

  /**
   * Decoder block l: x [B*T, d] -> x + attn(RMSNorm(x)), then + MLP(RMSNorm(.)) (see the class
   * comment), with this block's keys/values [B, KV, S, hd] (after the cache, when given).
   */
  private layer(
    l: number,
    x: tf.Tensor2D,
    ctx: LayerContext,
    past: LayerKV | undefined,
    adapters: LayerAdapters | null,
  ): { x: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } {
    const { heads: H, kvHeads: KV, headDim: hd } = this.config;
    const { B, T, cos, sin, bias, scale } = ctx;
    const R = H / KV;
    const p = `model.layers.${l}`;
    const lin = (m: LlamaLinear, t: tf.Tensor2D) =>
      this.linear(linearPath(l, m), t, adapters, ctx.merged);
    const heads = (t: tf.Tensor2D, n: number) =>
      t.reshape([B, T, n, hd]).transpose([0, 2, 1, 3]) as tf.Tensor4D; // [B, n, T, hd]
    // On WebGPU without a tape: RoPE into the heads layout and SwiGLU in one dispatch each.
    const fast = fusedWebGPUActive() && tf.engine().state.gradientDepth === 0;
    const ropeHeads = (t: tf.Tensor2D, n: number) =>
      fast ? webgpuRopeHeads(t, cos, sin, B, n) : applyRope(heads(t, n), cos, sin);
    const h = this.rmsNorm(x, `${p}.input_layernorm.weight`) as tf.Tensor2D;
    const q = ropeHeads(lin('q_proj', h), H); // [B, H, T, hd]
    let k = ropeHeads(lin('k_proj', h), KV); // [B, KV, T, hd]
    let v = heads(lin('v_proj', h), KV);
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
    const x1 = x.add(lin('o_proj', y)) as tf.Tensor2D;
    const h2 = this.rmsNorm(x1, `${p}.post_attention_layernorm.weight`) as tf.Tensor2D;
    const [g, u] = [lin('gate_proj', h2), lin('up_proj', h2)];
    const act = fast ? webgpuSwiglu(g, u) : (swigluOp(g, u) as tf.Tensor2D); // silu(g) * u
    return { x: x1.add(lin('down_proj', act)) as tf.Tensor2D, k, v };
  }

  /**
   * Block l with activation checkpointing (Chen et al., arXiv 1604.06174): the tape keeps only
   * the block's input x (and the shared RoPE tables and bias); the backward pass runs the block
   * again under its own tape and returns d/dx and d/d(adapters) of <dy, block(x)>. Memory for
   * the scoring pass falls from every block's activations to one block's, for one more forward.
   * The adapters are explicit inputs so the custom gradient reaches them (a variable read inside
   * a custom op is not on the outer tape).
   */
  private checkpointedLayer(l: number, x: tf.Tensor2D, ctx: LayerContext): tf.Tensor2D {
    const lora = this.lora!;
    const paths = LLAMA_LINEAR_MODULES.map((m) => linearPath(l, m)).filter((p) =>
      lora.pairs.has(p),
    );
    const adapterTensors = paths.flatMap((p) => [lora.pairs.get(p)!.a, lora.pairs.get(p)!.b]);
    const named = (ts: tf.Tensor[]): LayerAdapters =>
      new Map(paths.map((p, i) => [p, { a: ts[2 * i], b: ts[2 * i + 1] }]));
    const block = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const save = args.pop() as tf.GradSaveFunc;
      const [xIn, ...ad] = args as tf.Tensor[];
      save([xIn, ctx.cos, ctx.sin, ctx.bias]);
      const value = this.layer(l, xIn as tf.Tensor2D, ctx, undefined, named(ad)).x;
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
        const [xs, cos, sin, bias] = saved;
        const again = { ...ctx, cos: cos as tf.Tensor4D, sin: sin as tf.Tensor4D, bias };
        // dL/d(x, adapters) = J_block(x, adapters)^T dy, by a nested tape over the recomputed block
        return gradsOnOwnTape(
          (xx, ...aa) => this.layer(l, xx as tf.Tensor2D, again, undefined, named(aa)).x,
          [xs, ...ad],
          dy,
        );
      };
      return { value, gradFunc };
    });
    return block(x, ...adapterTensors) as tf.Tensor2D;
  }

  private rmsNorm(x: tf.Tensor, weight: string): tf.Tensor {
    // One dispatch on WebGPU where no gradient is needed (decoding, scoring without a tape).
    if (fusedWebGPUActive() && tf.engine().state.gradientDepth === 0)
      return webgpuRmsNorm(x, this.w(weight), this.config.rmsEps);
    const ms = x.square().mean(-1, true);
    return x.mul(tf.rsqrt(ms.add(this.config.rmsEps))).mul(this.w(weight));
  }

  /** Full or cached forward pass; tokens [B, T] int32. Call inside tf.tidy or dispose the result. */
  forward(tokens: tf.Tensor2D, opts: ForwardOptions = {}): ForwardResult {
    const [B, T] = tokens.shape;
    const Tout = opts.lastOnly ? 1 : T;
    const { hidden, present } = this.trunk(tokens, opts);
    // on wasm without a tape in column blocks (fusedOps.headLogits: no 545 MB pack per call)
    const logits = headLogits(hidden, this.head()).reshape([B, Tout, this.config.vocab]);
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
    // The keys/values stay (the tape may hold them); the caller's tidy frees them. Checkpointed
    // blocks (the default with LoRA) return none.
    const o = { ...opts, checkpoint: opts.checkpoint ?? true };
    return { hidden: this.trunk(tokens, o).hidden, head: this.head() };
  }

  /** Everything but the head: final RMSNorm output [B*Tout, d] and per-layer keys/values. */
  private trunk(
    tokens: tf.Tensor2D,
    opts: ForwardOptions,
  ): { hidden: tf.Tensor2D; present: LayerKV[] } {
    const c = this.config;
    const { vocab: V, hidden: d, heads: H, kvHeads: KV, headDim: hd } = c;
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
    } else {
      // a frozen table keeps nothing on the tape (frozenGather); a trained one (full fine-tuning
      // with embed: 'gather') needs the plain op
      const gather = this.trainsBase ? tf.gather : frozenGather;
      x = (c.tiedHead ? gather(embed, ids, 1).transpose() : gather(embed, ids)) as tf.Tensor2D;
    }
    const positions = opts.positions ?? (tf.range(pastLen, S).reshape([1, T]) as tf.Tensor2D);
    const { cos, sin } = ropeTables(positions, this.invFreq); // [B|1, 1, T, hd]
    const scale = 1 / Math.sqrt(hd);
    const present: LayerKV[] = [];
    // Query head h uses kv head floor(h / R): the R query heads of each kv head are grouped as
    // rows (r, t) of one [R*T, hd] block, so every row needs token t's bias: [b, 1, T, S] is
    // tiled to [b, 1, R*T, S] (a per-head bias [b, H, T, S] regroups as [b, KV, R*T, S]).
    const bias = groupedBias(opts.bias ?? causalBias(T, S), H, KV, T, S);
    // Cached decoding without a tape: LoRA folded into the weights (one matmul per linear).
    const merges =
      opts.past !== undefined &&
      this.lora !== null &&
      tf.engine().state.gradientDepth === 0 &&
      mergesOn(this.mergeForDecoding, tf.getBackend(), this.mergedBytes);
    const merged = merges
      ? this.merged.get(
          this.lora!.pairs,
          (p) => this.w(`${p}.weight`) as tf.Tensor2D,
          this.lora!.scale,
        )
      : null;
    const ctx: LayerContext = { B, T, cos, sin, bias, scale, merged };
    // Checkpointing: only when the adapters train and no cache is used (the scoring pass).
    const checkpoint = opts.checkpoint === true && this.lora !== null && !opts.past;
    for (let l = 0; l < c.layers; l++) {
      if (checkpoint) {
        x = this.checkpointedLayer(l, x, ctx);
        continue;
      }
      // Each layer in its own tidy: without a tape its intermediates go before the next layer.
      const out = tf.tidy(() => this.layer(l, x, ctx, opts.past?.[l], null));
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

/** What every block of one forward pass shares. */
interface LayerContext {
  B: number;
  T: number;
  cos: tf.Tensor4D;
  sin: tf.Tensor4D;
  /** Grouped attention bias [b, 1|KV, R*T, S]. */
  bias: tf.Tensor;
  /** 1 / sqrt(head_dim). */
  scale: number;
  /** LoRA folded into the weights by module path (cached decoding), else null. */
  merged: MergedWeights | null;
}

type MergedWeights = ReadonlyMap<string, tf.Tensor2D>;

/** A block's adapter tensors by module path. */
type LayerAdapters = Map<string, { a: tf.Tensor; b: tf.Tensor }>;

/**
 * Gradients of <dy, f(xs)> with respect to xs, computed inside another gradient's backward pass.
 * tfjs keeps one active tape: a nested tf.grads at depth 0 would replace the outer tape and
 * leave it null. The outer tape is set aside and put back, so the inner tape (and the tensors it
 * saved) is freed as soon as these gradients exist.
 */
function gradsOnOwnTape(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  xs: tf.Tensor[],
  dy: tf.Tensor,
): tf.Tensor[] {
  const state = tf.engine().state;
  const outer = state.activeTape;
  try {
    return tf.grads(f)(xs, dy);
  } finally {
    state.activeTape = outer;
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
