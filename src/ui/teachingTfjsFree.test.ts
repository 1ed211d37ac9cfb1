/**
 * Issue 19's page parts (alarms, rollout search, step-through) and the shared contract modules
 * must not pull TensorFlow.js or session runtime code into the page: walk their static imports.
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

describe('teaching page modules', () => {
  it.each([
    'contract/alarms.ts',
    'contract/rolloutSearch.ts',
    'contract/stages.ts',
    'state/alarmStore.ts',
    'state/searchStore.ts',
    'state/searchActions.ts',
    'state/stageStore.ts',
    'state/stageActions.ts',
    'ui/AlarmsPanel.tsx',
    'ui/RolloutSearch.tsx',
    'ui/StagePanel.tsx',
  ])('%s imports no @tensorflow module and no session runtime', (entry) => {
    const graph = walk(path.join(SRC, entry));
    const heavy = [...graph].filter(([, pkgs]) => pkgs.some((p) => p.startsWith('@tensorflow')));
    expect(heavy.map(([f]) => path.relative(SRC, f))).toEqual([]);
    const runtime = [...graph.keys()]
      .map((f) => path.relative(SRC, f))
      .filter((f) => f.startsWith('session/') && f !== 'session/protocol.ts');
    // liveConfig is pure and already on the page through actions.ts.
    expect(runtime.filter((f) => f !== 'session/liveConfig.ts')).toEqual([]);
  });
});
