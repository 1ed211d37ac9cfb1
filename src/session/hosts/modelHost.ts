/**
 * The lab's own student: the backend and a fresh model at init, weights loaded from files,
 * sampling, and the vocabulary a char tokenizer would get before a run.
 */
import { speedProbeMs } from '../../engine/backend/speedProbe';
import { parseConfig } from '../../contract/config';
import { buildTokenizer, loadItems } from '../../engine/eval/sources';
import type { ModelConfig } from '../../engine/model/config';
import { sample } from '../../engine/model/sample';
import { TransformerModel } from '../../engine/model/transformer';
import { modelFromSafetensors } from '../../engine/model/weights';
import { encodePrompt, tokenizerFromJSON, trainTokenizer } from '../../engine/tokenizer';
import { DEFAULT_CORPUS } from '../defaultCorpus';
import type { TrainingRun } from '../trainingRun';
import type { CommandOf, SessionContext } from './context';
import type { Student } from './student';

const FRESH_MODEL: Omit<ModelConfig, 'vocab'> = {
  dModel: 64,
  layers: 2,
  heads: 4,
  context: 256,
  mlpRatio: 4,
};

export class ModelHost {
  constructor(
    private readonly ctx: SessionContext,
    private readonly student: Student,
    /** The current run, if any (it owns the student while it trains). */
    private readonly run: () => TrainingRun | null,
  ) {}

  /** Picks the backend, makes a fresh student and times the backend (the `ready` event). */
  async init(cmd: CommandOf<'init'>): Promise<void> {
    const choice = await this.ctx.host.selectBackend(cmd.backend);
    this.ctx.backendName = choice.backend;
    const tok = trainTokenizer('char', DEFAULT_CORPUS);
    const model = TransformerModel.create({ ...FRESH_MODEL, vocab: tok.vocabSize }, 1);
    this.student.set(model, tok, 'fresh');
    // A short probe of this backend's speed: the preset picker scales the bench's figures by it.
    const probeMs = await speedProbeMs().catch(() => null);
    const summary = this.student.summary();
    this.ctx.host.post({ type: 'ready', id: cmd.id, ...choice, model: summary, probeMs });
  }

  /** Weights saved by the lab (safetensors) with their tokenizer.json. */
  load(cmd: CommandOf<'load-model'>): void {
    if (this.run()?.active) throw new Error('Stop the run before loading other weights.');
    const tok = tokenizerFromJSON(cmd.tokenizerJson);
    const model = modelFromSafetensors(new Uint8Array(cmd.weights));
    if (model.config.vocab !== tok.vocabSize) {
      model.dispose();
      throw new Error(
        `The weights expect a vocabulary of ${model.config.vocab} tokens but tokenizer.json has ${tok.vocabSize}; load the tokenizer saved with these weights.`,
      );
    }
    this.student.set(model, tok, 'loaded');
    this.ctx.host.post({ type: 'model', id: cmd.id, model: this.student.summary() });
  }

  async sample(cmd: CommandOf<'sample'>): Promise<void> {
    const { id, params: p } = cmd;
    const { model, tokenizer: tok } = this.student.ready();
    const run = this.run();
    if (run?.active && !run.waiting)
      throw new Error('The student is training: pause the run to sample from it.');
    if (!(p.n >= 1 && p.n <= 256))
      throw new Error(`Number of samples must be between 1 and 256 (got ${p.n}).`);
    const prompt = encodePrompt(tok, [{ role: 'user', content: p.prompt }]);
    const t0 = performance.now();
    const res = await sample(
      model,
      Array.from({ length: p.n }, () => prompt),
      {
        maxNewTokens: p.maxNewTokens,
        temperature: p.temperature,
        topP: p.topP,
        seed: p.seed,
        eosId: tok.eosId,
        padId: tok.padId,
      },
    );
    const ms = performance.now() - t0;
    const total = res.tokens.reduce((a, t) => a + t.length, 0);
    this.ctx.host.post({
      type: 'samples',
      id,
      ms,
      tokensPerSecond: total / (ms / 1000),
      completions: res.tokens.map((t, i) => ({
        text: tok.decode(t, { skipSpecial: true }),
        tokens: t.length,
        finished: res.finished[i],
      })),
    });
  }

  /**
   * A char tokenizer's vocabulary is the data's characters: built here from the run's training
   * questions (generated ones; GSM8K files are not fetched for it). BPE's is its set size.
   */
  async planStudent(cmd: CommandOf<'plan-student'>): Promise<void> {
    const c = parseConfig(cmd.config);
    let vocab: number | null = c.tokenizer.kind === 'bpe' ? c.tokenizer.vocabSize : null;
    if (c.tokenizer.kind === 'char' && c.data.source !== 'gsm8k') {
      const { items } = await loadItems(c.data, 'train');
      vocab = buildTokenizer(c, items).vocabSize;
    }
    this.ctx.host.post({ type: 'student-plan', id: cmd.id, key: cmd.key, vocab });
  }
}
