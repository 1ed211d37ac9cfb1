import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StepResult, Trajectory } from '../contract/loopRecords';
import { presetConfig } from '../contract/presets';
import { RunFolderWriter } from './runFolder';
import { writeStepRow } from './stepRow';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('writeStepRow', () => {
  it('appends the metrics and trajectories rows (secrets scrubbed) and logs one step line', async () => {
    dir = await mkdtemp(join(tmpdir(), 'step-row-'));
    const folder = new RunFolderWriter(dir, ['sk-secret-key']);
    await folder.start(presetConfig('tiny'));
    const r: StepResult = {
      metrics: {
        step: 3,
        reward: 0.5,
        accuracy: 0.25,
        'thinktuning/guided_count': 2,
        'completions/mean_length': 41.6,
        loss: 0.12345,
        step_time: 1.26,
      },
      trajectories: [{ step: 3, note: 'key sk-secret-key' } as unknown as Trajectory],
      teacherFailures: {},
      notes: ['teacher timed out once'],
    };
    const lines: string[] = [];
    await writeStepRow(folder, r, 10, (s) => lines.push(s));
    const metrics = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics.map((l) => JSON.parse(l))).toEqual([r.metrics]);
    const traj = await readFile(join(dir, 'trajectories.jsonl'), 'utf8');
    expect(traj.trim().split('\n')).toHaveLength(1);
    expect(traj).not.toContain('sk-secret-key');
    expect(lines).toEqual([
      'step 3/10 reward 0.500 acc 0.25 guided 2 catchphrase - clip - len 42 loss 0.1235 1.3s | 1 note(s): teacher timed out once',
    ]);
  });
});
