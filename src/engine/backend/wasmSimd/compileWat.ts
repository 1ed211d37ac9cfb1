/**
 * kernels.wat -> the two wasm binaries kernelsBinary.ts embeds: one importing a plain memory
 * (tfjs-wasm's single-threaded build) and one a shared memory (its threaded build). Used by
 * scripts/build-wasm-kernels.ts, and by wasmSimdKernels.test.ts to check that the committed
 * binaries are the source's.
 */
import wabtInit from 'wabt';

export type MemoryKind = 'plain' | 'shared';

/**
 * The module text with its memory import made plain (any maximum) or shared (a shared memory
 * must declare one: 4 GiB, wasm32's most).
 */
export function watFor(source: string, memory: MemoryKind): string {
  if (!source.includes('MEMORY_LIMITS'))
    throw new Error('kernels.wat lost its MEMORY_LIMITS marker');
  return source.replace('MEMORY_LIMITS', memory === 'shared' ? '65536 shared' : '');
}

/** Splits macro arguments at top-level spaces: `$e (local.get $e)` -> ['$e', '(local.get $e)']. */
function macroArgs(raw: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of raw.trim()) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (/\s/.test(ch) && depth === 0) {
      if (cur) args.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) args.push(cur);
  return args;
}

/**
 * Expands the source's macros (pure): a definition `(;@macro NAME P1 P2` ... `@;)` (a block
 * comment, so the file stays WAT) is removed, and each use `(;@NAME a1 a2;)` becomes its body
 * with the parameters replaced; bodies may use other macros.
 */
export function expandMacros(source: string): string {
  const defs = new Map<string, { params: string[]; body: string }>();
  let text = source.replace(
    /\(;@macro (\w+)([^\n]*)\n([\s\S]*?)@;\)/g,
    (_, name: string, params: string, body: string) => {
      defs.set(name, { params: macroArgs(params), body });
      return '';
    },
  );
  for (let round = 0; /\(;@\w/.test(text); round++) {
    if (round === 10) throw new Error('kernels.wat: macros nest more than 10 deep');
    text = text.replace(/\(;@(\w+)([^;]*);\)/g, (_, name: string, raw: string) => {
      const def = defs.get(name);
      if (!def) throw new Error(`kernels.wat: unknown macro ${name}`);
      const args = macroArgs(raw);
      if (args.length !== def.params.length)
        throw new Error(
          `kernels.wat: ${name} takes ${def.params.length} arguments, got ${args.length}`,
        );
      return def.params.reduce((b, p, i) => b.split(p).join(args[i]), def.body);
    });
  }
  return text;
}

/** Both binaries, base64. */
export async function compileKernels(source: string): Promise<Record<MemoryKind, string>> {
  const wabt = await wabtInit();
  const compile = (memory: MemoryKind) => {
    const features = { simd: true, threads: true, bulk_memory: true };
    const mod = wabt.parseWat(
      `kernels.${memory}.wat`,
      watFor(expandMacros(source), memory),
      features,
    );
    try {
      (mod.validate as (f: object) => void)(features);
      return Buffer.from(mod.toBinary({}).buffer).toString('base64');
    } finally {
      mod.destroy();
    }
  };
  return { plain: compile('plain'), shared: compile('shared') };
}
