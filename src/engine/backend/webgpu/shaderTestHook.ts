/**
 * A test hook for the hand-written WGSL kernels of this folder: a rewrite applied to each shader
 * source before it compiles. The parity tests on Dawn use it to break one kernel on purpose and
 * check that the comparison with the cpu backend notices. Set it before the first compile of the
 * process: compiled pipelines are cached (tfjs caches by shader key).
 */
type Transform = (kernel: string, code: string) => string;

let transform: Transform | null = null;
let epoch = 0;

/** Installs (or removes, with null) the rewrite for shaders compiled from now on. */
export function setShaderTransformForTests(f: Transform | null): void {
  transform = f;
  epoch += 1;
}

/** The source to compile for `kernel` (unchanged unless a test installed a rewrite). */
export function transformShader(kernel: string, code: string): string {
  return transform ? transform(kernel, code) : code;
}

/** Changes with every setShaderTransformForTests call (part of a pipeline cache key). */
export function shaderTransformEpoch(): number {
  return epoch;
}

/**
 * Routes a tfjs WebGPU program's source through the rewrite (identity unless a test installed
 * one) and, once one was, adds the epoch to its shader key so tfjs does not reuse a pipeline
 * compiled from the unbroken source.
 */
export function hookShader<P extends { shaderKey: string; getUserCode(): string }>(program: P): P {
  const code = program.getUserCode.bind(program);
  program.getUserCode = () => transformShader(program.shaderKey, code());
  if (epoch > 0) program.shaderKey += `_t${epoch}`;
  return program;
}
