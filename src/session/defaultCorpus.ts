/**
 * Text the fresh model's character tokenizer is built from: the alphabet of the lab's tasks
 * (word problems, worked steps, \boxed{} answers, teacher reflections).
 */
export const DEFAULT_CORPUS = [
  'A tank contains 300 mL of solution. You remove half of it, then add 100 mL of water.',
  'How much liquid is in the tank now? Half of 300 mL is 300 / 2 = 150 mL. 150 + 100 = 250 mL.',
  'The answer is \\boxed{250}. Wait... let me recheck: 300 - 150 = 150; 150 + 100 = 250. Yes.',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789',
  '+-*/=%$.,:;!?\'"()[]{}<>_^&#@|~`\\\n\t',
].join('\n');
