/**
 * The default CPU preset's guidance fits: 20 ThinkTuning steps from the shipped `cpu` student
 * with the built-in teacher, no "longer than the context" failure, and the guided share follows
 * the schedule (k = max(1, floor(eligible x rate)) per question while the rate is >= 0.05).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { readShippedFile } from '../src/cli/shippedStudents';
import { loadItems } from '../src/engine/eval/sources';
import { buildTeacher } from '../src/engine/teacher/build';
import { RlTrainer } from '../src/engine/loop/trainer';
import { presetConfig } from '../src/contract/presets';
import { teacherScheduleAt } from '../src/engine/rl/schedule';
import { teacherSelectionCount } from '../src/engine/rl/selection';
import { loadRunStudent } from '../src/engine/students/load';

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
});

describe('the cpu preset: guidance fits the context', () => {
  it('20 steps: no too-long guidance, guided count = the schedule’s k per question', async () => {
    const c = presetConfig('cpu');
    expect(c.rl.algo).toBe('thinktuning');
    expect(c.teacher.kind).toBe('builtin');
    const student = (await loadRunStudent(c, readShippedFile))!;
    const { items } = await loadItems(c.data, 'train');
    const trainer = new RlTrainer({
      config: c,
      model: student.model,
      tokenizer: student.tokenizer,
      trainItems: items,
      teacher: buildTeacher(c),
    });
    try {
      let guided = 0;
      for (let step = 0; step < 20; step++) {
        const r = await trainer.runStep();
        expect(r.teacherFailures, `step ${step + 1}`).toEqual({});
        expect(r.notes.join('\n')).not.toMatch(/longer than the context/);
        const s = teacherScheduleAt(step, {
          name: c.thinktuning.schedule,
          initialRate: c.thinktuning.initialRate,
          minRate: c.thinktuning.minRate,
          decaySteps: c.thinktuning.scheduleSteps,
          offBelow: c.thinktuning.offThreshold,
        });
        expect(s.active).toBe(true); // the first 20 steps are well inside the schedule
        let want = 0;
        for (let g = 0; g < c.rl.questionsPerStep; g++) {
          const group = r.trajectories.filter((t) => t.group === g);
          // eligible: the student's own rollouts that finished (a guided one had finished)
          const eligible = group.filter((t) => t.guided || t.finished).length;
          want += teacherSelectionCount(eligible, s.rate, true);
        }
        const got = r.trajectories.filter((t) => t.guided).length;
        expect(got, `step ${step + 1}`).toBe(want);
        expect(r.metrics['thinktuning/guided_count']).toBe(got);
        guided += got;
      }
      expect(guided).toBeGreaterThanOrEqual(60); // ~4 a step: every step shows the method
    } finally {
      trainer.dispose();
      student.model.dispose();
    }
  }, 600_000);
});
