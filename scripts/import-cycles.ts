/**
 * Lists import cycles among TypeScript files, type-only imports included:
 *   npx tsx scripts/import-cycles.ts [dir ...]   (default: src)
 * Follows relative `import`/`export ... from` specifiers; exits 1 when a cycle is found.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.[^'"]+)['"]/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const p of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')])
    if (existsSync(p)) return p;
  return null;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['src']).flatMap((d) => tsFiles(resolve(d)));
const edges = new Map<string, string[]>();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const deps = [...text.matchAll(IMPORT)]
    .map((m) => resolveImport(f, m[1]))
    .filter((p): p is string => p !== null);
  edges.set(f, deps);
}

// Depth-first search; a back edge to a file on the stack closes a cycle.
const cycles: string[][] = [];
const state = new Map<string, 'open' | 'done'>();
const stack: string[] = [];
function visit(f: string): void {
  state.set(f, 'open');
  stack.push(f);
  for (const d of edges.get(f) ?? []) {
    if (!edges.has(d)) continue;
    if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d]);
    else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(f, 'done');
}
for (const f of edges.keys()) if (!state.has(f)) visit(f);

for (const c of cycles) console.log(c.map((p) => relative(process.cwd(), p)).join(' -> '));
console.log(`${files.length} files, ${cycles.length} import cycle(s)`);
process.exit(cycles.length ? 1 : 0);
