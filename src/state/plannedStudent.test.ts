/** The Model panel's "next run" figures equal the student the worker builds for each preset. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { applyOverride } from '../contract/config';
import { loadItems } from '../engine/eval/sources';
import { parameterCount } from '../engine/model/transformer';
import { presetConfig } from '../contract/presets';
import { buildTokenizer, createStudent } from '../engine/student';
import { plannedStudent } from './plannedStudent';

describe('the next run’s student, from the config', () => {
  it.each(['tiny', 'lab', 'cpu'])(
    '%s: shape, tokenizer and parameter count as the worker builds it',
    async (preset) => {
      await tf.setBackend('cpu');
      // A small training set: the BPE vocabulary reaches its size on it all the same.
      const c = applyOverride(presetConfig(preset), 'data.trainSize=200');
      const planned = plannedStudent(c)!;
      const { items } = await loadItems(c.data, 'train');
      const tok = buildTokenizer(c, items);
      const model = createStudent(c, tok);
      try {
        expect(planned).toMatchObject({
          layers: model.config.layers,
          dModel: model.config.dModel,
          heads: model.config.heads,
          context: model.config.context,
          tokenizer: tok.kind,
        });
        if (planned.vocab !== null) {
          expect(planned.vocab).toBe(tok.vocabSize);
          expect(planned.parameters).toBe(parameterCount(model));
        } else {
          expect(planned.parametersWithoutVocab + tok.vocabSize * c.model.dModel).toBe(
            parameterCount(model),
          );
          // With the vocabulary the worker counts (plan-student): the exact count.
          expect(plannedStudent(c, tok.vocabSize)!.parameters).toBe(parameterCount(model));
        }
      } finally {
        model.dispose();
      }
    },
  );

  it('says where the weights come from', () => {
    const tiny = presetConfig('tiny');
    expect(plannedStudent(tiny)!.origin).toMatch(/^fresh \(seed \d+\), then \d+ warm-up steps$/);
    expect(plannedStudent(applyOverride(tiny, 'student.init="cpu"'))!.origin).toBe(
      'shipped warm-up student "cpu"',
    );
    expect(plannedStudent(applyOverride(tiny, 'student.source="hf"'))).toBeNull();
  });
});
