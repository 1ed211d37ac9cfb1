import type { RunConfig } from './config';
import { TransformerModel } from './model/transformer';
import { solutionText } from './sft/examples';
import type { TaskItem } from './tasks/types';
import { trainTokenizer, type Tokenizer } from './tokenizer';

/** Printable ASCII: always in the char vocabulary, so teacher text never hits <|unk|>. */
const PRINTABLE =
  Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + '\n\t';

/** The text a run's tokenizer is trained on: questions, worked solutions, printable ASCII. */
export function tokenizerCorpus(items: readonly TaskItem[], suffix: string): string {
  return [PRINTABLE, ...items.map((it) => `${it.prompt}${suffix}\n${solutionText(it)}`)].join('\n');
}

/** Trains the run's tokenizer (char or byte-level BPE) on the training items. */
export function buildTokenizer(config: RunConfig, items: readonly TaskItem[]): Tokenizer {
  return trainTokenizer(config.tokenizer.kind, tokenizerCorpus(items, config.data.promptSuffix), {
    vocabSize: config.tokenizer.vocabSize,
  });
}

/** A fresh student for the run: the config's shape, the tokenizer's vocabulary, the run's seed. */
export function createStudent(config: RunConfig, tok: Tokenizer): TransformerModel {
  return TransformerModel.create({ ...config.model, vocab: tok.vocabSize }, config.seed);
}
