/**
 * The shipped warm-up students (public/students/): every file matches the manifest's SHA-256 and
 * size, each is small, fits its preset, loads, and scores exactly the held-out greedy accuracy
 * the manifest and the README state (WASM, the backend `npm run students` measured on).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { readShippedFile, STUDENTS_ROOT } from '../src/cli/shippedStudents';
import { evaluate, greedyEvalOptions } from '../src/engine/eval/evaluate';
import { loadItems } from '../src/engine/eval/sources';
import { presetConfig } from '../src/contract/presets';
import { sha256Hex } from '../src/engine/store/sha256';
import {
  SHIPPED_STUDENT_FILES,
  STUDENTS_MANIFEST,
  parseShippedManifest,
  type ShippedManifest,
} from '../src/engine/students/catalog';
import { SHIPPED_STUDENT_NAMES } from '../src/contract/students';
import {
  loadRunStudent,
  loadShippedStudent,
  shippedStudentMismatches,
} from '../src/engine/students/load';

let manifest: ShippedManifest;

beforeAll(async () => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  manifest = parseShippedManifest(await readFile(join(STUDENTS_ROOT, STUDENTS_MANIFEST), 'utf8'));
});

describe('shipped warm-up students', () => {
  it('the manifest lists exactly the students the app names', () => {
    expect(Object.keys(manifest.students).sort()).toEqual([...SHIPPED_STUDENT_NAMES].sort());
  });

  it('every file matches its SHA-256 and size, and a student is at most 2 MB', async () => {
    for (const name of SHIPPED_STUDENT_NAMES) {
      const entry = manifest.students[name]!;
      let total = 0;
      for (const f of SHIPPED_STUDENT_FILES) {
        const bytes = await readShippedFile(`${name}/${f}`);
        expect(bytes.byteLength, `${name}/${f}`).toBe(entry.files[f].bytes);
        expect(await sha256Hex(bytes), `${name}/${f}`).toBe(entry.files[f].sha256);
        total += bytes.byteLength;
      }
      expect(total, name).toBeLessThanOrEqual(2 * 1024 * 1024);
    }
  });

  it('a changed byte is refused with the file named and the fix', async () => {
    const read = async (path: string) => {
      const bytes = await readShippedFile(path);
      if (!path.endsWith('model.safetensors')) return bytes;
      const copy = bytes.slice();
      copy[copy.length - 1] ^= 1;
      return copy;
    };
    await expect(loadShippedStudent('cpu', read)).rejects.toThrow(
      /students\/cpu\/model\.safetensors is not the shipped file.*npm run students/,
    );
    await expect(loadShippedStudent('nope', readShippedFile)).rejects.toThrow(
      /No shipped student "nope"; the app ships cpu, unknown-behavior/,
    );
  });

  it('a run whose model settings differ is refused, naming the fields', async () => {
    const c = presetConfig('cpu');
    c.model.dModel = 32;
    await expect(loadRunStudent(c, readShippedFile)).rejects.toThrow(
      /model\.dModel: 32 here, 64 in the student.*student\.init=""/,
    );
  });

  for (const name of SHIPPED_STUDENT_NAMES) {
    it(`${name}: fits its preset and scores the manifest's held-out greedy accuracy`, async () => {
      const entry = manifest.students[name]!;
      const config = presetConfig(entry.preset);
      expect(config.student.init).toBe(name);
      const s = await loadShippedStudent(name, readShippedFile);
      try {
        expect(shippedStudentMismatches(config, s)).toEqual([]);
        const held = await loadItems(
          { ...config.data, evalSize: Math.max(config.data.evalSize, entry.heldOut.total) },
          'eval',
        );
        const r = await evaluate(
          s.model,
          s.tokenizer,
          held.items.slice(0, entry.heldOut.total),
          greedyEvalOptions(config),
        );
        const correct = r.records.filter((x) => x.mode === 'greedy' && x.correct).length;
        expect(correct).toBe(entry.heldOut.correct);
      } finally {
        s.model.dispose();
      }
    });
  }

  it('the README states each student’s measured accuracy', async () => {
    const readme = await readFile(join(STUDENTS_ROOT, '..', '..', 'README.md'), 'utf8');
    for (const name of SHIPPED_STUDENT_NAMES) {
      const h = manifest.students[name]!.heldOut;
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `README row for ${name}`).toBeDefined();
      expect(row).toContain(`${h.correct}/${h.total}`);
      expect(row).toContain(`${(h.accuracy * 100).toFixed(1)}%`);
    }
  });
});
