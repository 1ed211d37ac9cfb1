/**
 * A response "reflects" when it has a self-check segment (Wait / let me recheck / double-check /
 * verify ...) followed later by a final answer (\boxed{...} or "The answer is").
 */
const SELF_CHECK =
  /\b(wait|let me (re)?check|let me verify|re-?check|double[- ]check|verify|let me walk through|hmm)\b/i;
const FINAL = /\\boxed\{|the (final )?answer is/gi;

export function hasReflection(text: string): boolean {
  const m = SELF_CHECK.exec(text);
  if (!m) return false;
  const rest = text.slice(m.index + m[0].length);
  FINAL.lastIndex = 0;
  return FINAL.test(rest);
}
