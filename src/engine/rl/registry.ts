/**
 * Name → variant registries (verl `core_algos.py` style).
 *
 * Every setting that picks a variant (advantage estimator, shaping, aggregation, schedule,
 * selection strategy) is a key in a `Record`; this helper is the single place that turns an
 * unknown name into an error listing the valid ones.
 */

/** Returns `registry[name]`; throws `Unknown <kind> "<name>"; valid: a, b, c` otherwise. */
export function lookupVariant<T>(
  registry: Readonly<Record<string, T>>,
  kind: string,
  name: string,
): T {
  if (!Object.prototype.hasOwnProperty.call(registry, name)) {
    throw new Error(`Unknown ${kind} "${name}"; valid: ${Object.keys(registry).join(', ')}`);
  }
  return registry[name];
}
