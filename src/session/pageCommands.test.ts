/**
 * The commands that carry the page's IO into the worker (no student needed): opening a run
 * folder read-only and reading its groups back, saved runs' metrics for the compare view, and a
 * saved run's verl job as one ZIP.
 */
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../contract/presets';
import { RunStore } from '../storage/runStore';
import { readZip } from '../storage/zip';
import { LabSession } from './labSession';
import type { WorkerCommand, WorkerEvent } from './protocol';
import { RunLibrary } from './runLibrary';

type Outgoing = WorkerCommand extends infer C
  ? C extends { id: number }
    ? Omit<C, 'id'>
    : never
  : never;

function harness(openRunStore?: () => Promise<RunStore>) {
  const events: WorkerEvent[] = [];
  const s = new LabSession({
    post: (e) => events.push(e),
    selectBackend: async () => ({ backend: 'cpu', adapter: null, reason: 'test' }),
    ...(openRunStore ? { openRunStore } : {}),
  });
  let id = 1;
  const send = async (cmd: Outgoing) => {
    const sent = id++;
    await s.handle({ ...cmd, id: sent } as WorkerCommand);
    return events.filter((e) => 'id' in e && e.id === sent);
  };
  return { send, events };
}

const line = (o: Record<string, unknown>) => JSON.stringify(o);
const verlFile = (name: string, rows: Record<string, unknown>[]) => ({
  name: `dump/${name}`,
  file: new Blob([rows.map(line).join('\n') + '\n']),
});

describe('page commands', () => {
  it('opens a verl folder, sends its index without the columns, reads a group back, closes it', async () => {
    const h = harness();
    const files = [
      verlFile('1.jsonl', [
        { input: 'Q1', output: 'a', score: 1, step: 1 },
        { input: 'Q1', output: 'b', score: 0, step: 1 },
      ]),
      verlFile('2.jsonl', [{ input: 'Q2', output: 'c', score: 0.5, step: 2 }]),
    ];
    const opened = await h.send({ type: 'open-imported', openedId: 'o1', name: 'dump', files });
    expect(opened.filter((e) => e.type === 'imported-progress').length).toBeGreaterThan(0);
    const reply = opened.find((e) => e.type === 'imported-opened');
    if (reply?.type !== 'imported-opened') throw new Error(`no index: ${JSON.stringify(opened)}`);
    expect(reply.run).toMatchObject({ format: 'verl', name: 'dump', rollouts: 3, fileCount: 2 });
    expect(reply.run.steps).toEqual([1, 2]);
    expect(Object.keys(reply.run)).not.toContain('refs');

    const group = await h.send({ type: 'read-imported-group', openedId: 'o1', group: 0 });
    expect(group).toHaveLength(1);
    const g = group[0];
    if (g.type !== 'imported-group') throw new Error(JSON.stringify(g));
    expect(g.rollouts.map((r) => r.completion)).toEqual(['a', 'b']);

    await h.send({ type: 'close-imported', openedId: 'o1' });
    const gone = await h.send({ type: 'read-imported-group', openedId: 'o1', group: 0 });
    expect(gone).toEqual([
      expect.objectContaining({
        type: 'error',
        message: expect.stringContaining('open the folder again'),
      }),
    ]);
  });

  it('names the expected folders when no run is found', async () => {
    const h = harness();
    const files = [{ name: 'x/notes.txt', file: new Blob(['hi']) }];
    const [e] = await h.send({ type: 'open-imported', openedId: 'o2', name: 'x', files });
    expect(e).toMatchObject({ type: 'error', message: expect.stringContaining('No run found') });
  });

  it("reads saved runs' metrics; without a run store it says why", async () => {
    const factory = new IDBFactory();
    const open = () => RunStore.open({ indexedDB: factory });
    const lib = new RunLibrary(
      await open(),
      () => {},
      async () => null,
    );
    const config = presetConfig('tiny');
    const metrics = [
      { step: 1, 'reward/mean': 0.5 },
      { step: 2, 'reward/mean': 0.75 },
    ];
    const rec = await lib.saveFinished({ name: 'a', config, backend: null, origin: 'x', metrics });
    const [reply] = await harness(open).send({ type: 'read-metrics', runIds: [rec.id] });
    expect(reply).toEqual({ type: 'run-metrics', id: 1, metrics: { [rec.id]: metrics } });

    const [none] = await harness().send({ type: 'read-metrics', runIds: [rec.id] });
    expect(none).toMatchObject({
      type: 'error',
      message: expect.stringContaining('not available'),
    });
  });

  it('exports a saved run as a verl job ZIP', async () => {
    const config = presetConfig('tiny');
    const [reply] = await harness().send({ type: 'export-verl-job', config, name: 'my run' });
    if (reply.type !== 'verl-job') throw new Error(JSON.stringify(reply));
    expect(reply.filename).toMatch(/-verl\.zip$/);
    const folder = reply.filename.replace(/\.zip$/, '');
    const names = readZip(new Uint8Array(reply.bytes)).map((f) => f.name);
    expect(names.length).toBeGreaterThan(2);
    expect(names.every((n) => n.startsWith(`${folder}/`))).toBe(true);
  });
});
