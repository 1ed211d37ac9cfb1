import type { RunConfig } from '../contract/config';
import { TransformerModel } from './model/transformer';
import type { Tokenizer } from './tokenizer';

export { buildTokenizer, tokenizerCorpus } from './eval/sources';

/** A fresh student for the run: the config's shape, the tokenizer's vocabulary, the run's seed. */
export function createStudent(config: RunConfig, tok: Tokenizer): TransformerModel {
  return TransformerModel.create({ ...config.model, vocab: tok.vocabSize }, config.seed);
}
