/**
 * The page must not pull TensorFlow.js into its bundle, nor run session code (it talks to the
 * worker through session/protocol.ts only): walk the static imports of the whole page (main.tsx)
 * and of the modules that once did (opened runs, verl export) or might (the teaching tools).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function resolve(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const ext of ['.ts', '.tsx', '/index.ts']) if (existsSync(base + ext)) return base + ext;
  return existsSync(base) && !base.endsWith('.css') ? base : null;
}

/** Every module reachable by static (non type-only) imports, with the packages each imports. */
function walk(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const packages: string[] = [];
    for (const m of text.matchAll(
      /^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm,
    )) {
      if (m[1]) continue; // type-only: erased
      const spec = m[2] ?? m[3];
      if (spec.startsWith('.')) {
        const r = resolve(file, spec);
        if (r) todo.push(r);
      } else packages.push(spec);
    }
    seen.set(file, packages);
  }
  return seen;
}

describe('page modules', () => {
  it.each([
    // the whole page: tfjs lives in the worker only (issue 17)
    'main.tsx',
    'state/openedRuns.ts',
    'state/exportVerlJob.ts',
    'ui/ImportedInspector.tsx',
    'ui/OpenedRuns.tsx',
    // issue 19's page parts and their contract modules
    'contract/alarms.ts',
    'contract/rolloutSearch.ts',
    'contract/stages.ts',
    'state/alarmStore.ts',
    'state/searchActions.ts',
    'state/stageActions.ts',
    'ui/AlarmsPanel.tsx',
    'ui/RolloutSearch.tsx',
    'ui/StagePanel.tsx',
    'ui/TokenExplainer.tsx',
    'ui/Counterfactual.tsx',
  ])('%s imports no @tensorflow module and no session runtime', (entry) => {
    const graph = walk(path.join(SRC, entry));
    const heavy = [...graph].filter(([, pkgs]) => pkgs.some((p) => p.startsWith('@tensorflow')));
    expect(heavy.map(([f]) => path.relative(SRC, f))).toEqual([]);
    const runtime = [...graph.keys()]
      .map((f) => path.relative(SRC, f))
      .filter((f) => f.startsWith('session/') && f !== 'session/protocol.ts');
    expect(runtime).toEqual([]);
  });

  it('the whole page is walked (main.tsx reaches the store, the views and the contract)', () => {
    const files = [...walk(path.join(SRC, 'main.tsx')).keys()].map((f) => path.relative(SRC, f));
    for (const f of ['state/labStore.ts', 'ui/App.tsx', 'contract/config.ts', 'ui/StagePanel.tsx'])
      expect(files).toContain(f);
  });

  it('the walk does find tfjs where it is (engine/rl/aggregation.ts)', () => {
    const graph = walk(path.join(SRC, 'engine/rl/aggregation.ts'));
    expect([...graph.values()].flat()).toContain('@tensorflow/tfjs');
  });
});
