/**
 * The lab's student: the model the page samples from and a run trains, its tokenizer and where
 * it came from, plus a loaded pretrained model kept frozen (each run trains a copy of it).
 */
import type { CausalLM } from '../../engine/model/causalLM';
import { LlamaModel } from '../../engine/model/llama';
import { llamaParameterCount } from '../../engine/model/llamaConfig';
import { parameterCount, type TransformerModel } from '../../engine/model/transformer';
import type { LoadedHfModel } from '../../engine/hf/load';
import type { Tokenizer } from '../../engine/tokenizer';
import type { ModelSummary } from '../protocol';
import { NOT_INITIALISED } from './context';

export class Student {
  model: CausalLM | null = null;
  tokenizer: Tokenizer | null = null;
  /** 'fresh', 'loaded', a pretrained folder's label or the run it came from. */
  origin = 'fresh';
  /** A loaded pretrained model, frozen: sampled from, and copied by each run that trains it. */
  pretrained: LoadedHfModel | null = null;

  /** The model and tokenizer, or the error that the worker has not made them yet. */
  ready(): { model: CausalLM; tokenizer: Tokenizer } {
    if (!this.model || !this.tokenizer) throw new Error(NOT_INITIALISED);
    return { model: this.model, tokenizer: this.tokenizer };
  }

  /** Replaces the student (a frozen pretrained model is dropped too unless it stays in use). */
  set(model: CausalLM, tokenizer: Tokenizer, origin: string): void {
    if (this.model !== model && this.model !== this.pretrained?.model) this.model?.dispose();
    if (this.pretrained && this.pretrained.model !== model) {
      this.pretrained.model.dispose(); // a run's LoRA copy keeps the shared weights alive
      this.pretrained = null;
    }
    this.model = model;
    this.tokenizer = tokenizer;
    this.origin = origin;
  }

  /** A run's trained student becomes the lab's (the frozen pretrained model stays loaded). */
  adopt(model: CausalLM, tokenizer: Tokenizer, run: number): void {
    const keep = this.pretrained;
    if (this.model !== model && this.model !== keep?.model) this.model?.dispose();
    this.model = model;
    this.tokenizer = tokenizer;
    this.origin =
      keep && model instanceof LlamaModel ? `run ${run} on ${keep.label}` : `run ${run}`;
  }

  /** The page's summary of the student. */
  summary(): ModelSummary {
    const m = this.model!;
    if (m instanceof LlamaModel) {
      const c = m.config;
      return {
        parameters: llamaParameterCount(c),
        dModel: c.hidden,
        layers: c.layers,
        heads: c.heads,
        context: c.context,
        vocab: c.vocab,
        tokenizer: this.tokenizer!.kind,
        origin: this.origin,
      };
    }
    const tm = m as TransformerModel;
    return {
      ...tm.config,
      parameters: parameterCount(tm),
      tokenizer: this.tokenizer!.kind,
      origin: this.origin,
    };
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
