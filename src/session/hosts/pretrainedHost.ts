/**
 * Pretrained students (Hugging Face folders): config.json's shape and memory estimate, loading a
 * folder as the lab's frozen student, and the trainable copy a run with student.source "hf" gets.
 */
import type { RunConfig } from '../../contract/config';
import { loadHfModel } from '../../engine/hf/load';
import { sourceFromUrl } from '../../engine/hf/source';
import { loraOptionsFromConfig } from '../../engine/hf/student';
import type { CausalLM } from '../../engine/model/causalLM';
import type { Tokenizer } from '../../engine/tokenizer';
import { hfSourceOf, inspectPretrained } from '../pretrained';
import type { TrainingRun } from '../trainingRun';
import type { CommandOf, SessionContext } from './context';
import type { Student } from './student';

export class PretrainedHost {
  constructor(
    private readonly ctx: SessionContext,
    private readonly student: Student,
    /** The current run, if any (no other model loads while it trains). */
    private readonly run: () => TrainingRun | null,
  ) {}

  /** Reads a folder's config.json: shape and memory estimate (hf-info). */
  async inspect(cmd: CommandOf<'hf-inspect'>): Promise<void> {
    const info = await inspectPretrained(cmd.source, cmd.student, this.ctx.host.fetch);
    this.ctx.host.post({ type: 'hf-info', id: cmd.id, info });
  }

  /** Loads a model folder as the student (frozen; a run trains a copy). */
  async load(cmd: CommandOf<'hf-load'>): Promise<void> {
    const { id } = cmd;
    const { host } = this.ctx;
    if (this.run()?.active) throw new Error('Stop the run before loading another model.');
    const loaded = await loadHfModel(hfSourceOf(cmd.source, host.fetch), {
      lora: null,
      frozen: true,
      onProgress: (progress) => host.post({ type: 'hf-progress', id, progress }),
    });
    this.student.set(loaded.model, loaded.tokenizer, loaded.label);
    this.student.pretrained = loaded;
    host.post({ type: 'model', id, model: this.student.summary() });
  }

  /**
   * The student of a run with student.source "hf": a trainable copy of the loaded model when
   * student.hf is empty or names it, else the folder at the student.hf URL.
   */
  async studentFor(c: RunConfig): Promise<{ model: CausalLM; tokenizer: Tokenizer }> {
    const lora = loraOptionsFromConfig(c);
    const url = c.student.hf;
    const held = this.student.pretrained;
    if (held && (url === '' || url.replace(/\/?$/, '/') === held.label))
      return { model: held.model.withTraining({ lora }), tokenizer: held.tokenizer };
    if (!url)
      throw new Error(
        'student.source is "hf" but no pretrained model is loaded: load one in the Model panel, or set student.hf to its URL.',
      );
    const { host } = this.ctx;
    const loaded = await loadHfModel(sourceFromUrl(url, host.fetch ?? fetch), {
      lora,
      onProgress: (progress) => host.post({ type: 'hf-progress', id: null, progress }),
    });
    return { model: loaded.model, tokenizer: loaded.tokenizer };
  }
}
