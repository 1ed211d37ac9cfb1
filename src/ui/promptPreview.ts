/**
 * List previews show what tells prompts apart: the text between the prefix and suffix that
 * every prompt shares (chat-template role lines, the instruction suffix), whitespace collapsed.
 */
export function previewOf(prompts: readonly string[]): (prompt: string) => string {
  if (prompts.length < 2) return (p) => p.replace(/\s+/g, ' ').trim();
  let pre = prompts[0].length;
  let suf = prompts[0].length;
  const first = prompts[0];
  for (const p of prompts) {
    let i = 0;
    while (i < pre && i < p.length && p[i] === first[i]) i++;
    pre = i;
    let j = 0;
    while (j < suf && j < p.length && p[p.length - 1 - j] === first[first.length - 1 - j]) j++;
    suf = j;
  }
  // Whole words only: the shared parts end and start at whitespace.
  while (pre > 0 && !/\s/.test(first[pre - 1])) pre--;
  while (suf > 0 && !/\s/.test(first[first.length - suf])) suf--;
  return (p) => {
    const core = p.slice(pre, Math.max(pre, p.length - suf));
    return (core || p).replace(/\s+/g, ' ').trim();
  };
}
