import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendPreference } from '../engine/backend/types';
import { parameterCount, TransformerModel } from '../engine/model/transformer';
import { sample } from '../engine/model/sample';
import { modelFromSafetensors } from '../engine/model/weights';
import {
  encodePrompt,
  tokenizerFromJSON,
  trainTokenizer,
  type Tokenizer,
} from '../engine/tokenizer';
import type { ModelConfig } from '../engine/model/config';
import {
  assertNever,
  type ModelSummary,
  type SampleParams,
  type WorkerCommand,
  type WorkerEvent,
} from './protocol';
import { DEFAULT_CORPUS } from './defaultCorpus';

/** Where the session runs: the worker injects browser backend selection, Node tests a stub. */
export interface SessionHost {
  post(event: WorkerEvent): void;
  selectBackend(pref: BackendPreference): Promise<BackendChoice>;
}

const FRESH_MODEL: Omit<ModelConfig, 'vocab'> = {
  dModel: 64,
  layers: 2,
  heads: 4,
  context: 256,
  mlpRatio: 4,
};

/**
 * The worker's state machine, free of worker globals so it also runs in Node.
 * Owns the tfjs backend, the student model and its tokenizer.
 */
export class LabSession {
  private model: TransformerModel | null = null;
  private tokenizer: Tokenizer | null = null;
  private origin = 'fresh';

  constructor(private readonly host: SessionHost) {}

  async handle(cmd: WorkerCommand): Promise<void> {
    try {
      switch (cmd.type) {
        case 'init':
          return await this.init(cmd.id, cmd.backend);
        case 'sample':
          return await this.sample(cmd.id, cmd.params);
        case 'load-model':
          return this.load(cmd.id, cmd.weights, cmd.tokenizerJson);
        default:
          return assertNever(cmd);
      }
    } catch (e) {
      this.host.post({ type: 'error', id: cmd.id, message: (e as Error).message });
    }
  }

  private summary(): ModelSummary {
    const m = this.model!;
    return {
      ...m.config,
      parameters: parameterCount(m),
      tokenizer: this.tokenizer!.kind,
      origin: this.origin,
    };
  }

  private async init(id: number, pref: BackendPreference): Promise<void> {
    const choice = await this.host.selectBackend(pref);
    this.tokenizer = trainTokenizer('char', DEFAULT_CORPUS);
    this.model?.dispose();
    this.model = TransformerModel.create({ ...FRESH_MODEL, vocab: this.tokenizer.vocabSize }, 1);
    this.origin = 'fresh';
    this.host.post({ type: 'ready', id, ...choice, model: this.summary() });
  }

  private load(id: number, weights: ArrayBuffer, tokenizerJson: string): void {
    const tok = tokenizerFromJSON(tokenizerJson);
    const model = modelFromSafetensors(new Uint8Array(weights));
    if (model.config.vocab !== tok.vocabSize) {
      model.dispose();
      throw new Error(
        `The weights expect a vocabulary of ${model.config.vocab} tokens but tokenizer.json has ${tok.vocabSize}; load the tokenizer saved with these weights.`,
      );
    }
    this.model?.dispose();
    this.model = model;
    this.tokenizer = tok;
    this.origin = 'loaded';
    this.host.post({ type: 'model', id, model: this.summary() });
  }

  private async sample(id: number, p: SampleParams): Promise<void> {
    if (!this.model || !this.tokenizer)
      throw new Error('The worker is not initialised yet; wait for the backend badge.');
    if (!(p.n >= 1 && p.n <= 256))
      throw new Error(`Number of samples must be between 1 and 256 (got ${p.n}).`);
    const tok = this.tokenizer;
    const prompt = encodePrompt(tok, [{ role: 'user', content: p.prompt }]);
    const t0 = performance.now();
    const res = await sample(
      this.model,
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
    this.host.post({
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

  dispose(): void {
    this.model?.dispose();
    this.model = null;
    tf.disposeVariables();
  }
}
