/**
 * Parser for the teacher's tag format:
 *
 *   <opinion>correct|incorrect</opinion><reason>...</reason><phrase>...</phrase>
 *
 * Tolerated around the tags: whitespace, one leading reasoning block (`<think>...</think>`, or
 * a reply that starts inside the block and only closes it with `</think>`), and a markdown
 * code fence. Tag names and the opinion value are case-insensitive; the three tags may come in
 * any order. Anything else is a format failure whose message says what is wrong.
 *
 * Every search is a literal scan (indexOf or a regex without nested quantifiers), so the time
 * is linear in the reply length even for huge or adversarial inputs.
 */
import type { Guidance } from '../../contract/teacher';

/** Outcome of parsing one reply. */
export type ParseResult = { ok: true; guidance: Guidance } | { ok: false; message: string };

type TagName = 'opinion' | 'reason' | 'phrase';
const TAG_NAMES: readonly TagName[] = ['opinion', 'reason', 'phrase'];

/** Shortens text for an error message. */
function excerpt(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max)}…`;
}

/** Index of `needle` in `text` from `from`, ignoring ASCII case; -1 when absent. */
function indexOfCI(text: string, needle: string, from = 0): number {
  const re = new RegExp(needle.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'gi');
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? m.index : -1;
}

/**
 * The texts that may hold the tags once a leading reasoning block is removed, most likely
 * first; an error when a `<think>` block is opened but never closed.
 */
function thinkCandidates(
  text: string,
): { ok: true; texts: string[] } | { ok: false; message: string } {
  const open = /^<think>/i.test(text);
  const close = indexOfCI(text, '</think>');
  if (open && close < 0) {
    return { ok: false, message: 'the <think> block is never closed with </think>' };
  }
  if (close < 0) return { ok: true, texts: [text] };
  const afterBlock = text.slice(close + '</think>'.length);
  // Without an opening tag the reply may have started inside the block (the chat template
  // opened it), or "</think>" may just be part of the reply: try both readings.
  return { ok: true, texts: open ? [afterBlock] : [afterBlock, text] };
}

/** Removes one markdown code fence (```lang ... ```) wrapping the whole text. */
function stripCodeFence(text: string): string {
  if (!text.startsWith('```') || text.length < 6 || !text.endsWith('```')) return text;
  const firstNewline = text.indexOf('\n');
  if (firstNewline < 0) return text;
  const info = text.slice(3, firstNewline).trim();
  if (!/^[\w-]*$/.test(info)) return text;
  return text.slice(firstNewline + 1, text.length - 3).trim();
}

/** Parses a teacher reply into guidance, or says in words what is wrong with it. */
export function parseGuidance(raw: string): ParseResult {
  const text = raw.trim();
  if (text.length === 0) return { ok: false, message: 'the reply is empty' };
  const candidates = thinkCandidates(text);
  if (!candidates.ok) return candidates;
  let first: ParseResult | undefined;
  for (const candidate of candidates.texts) {
    const result = parseTags(stripCodeFence(candidate.trim()));
    if (result.ok) return result;
    first ??= result;
  }
  return first ?? { ok: false, message: 'the reply is empty' };
}

/** Parses the three tags, which must be all there is in `text` apart from whitespace. */
function parseTags(text: string): ParseResult {
  const found: Partial<Record<TagName, string>> = {};
  const openTag = /<(opinion|reason|phrase)>/iy;
  let pos = 0;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos])) pos += 1;
    if (pos >= text.length) break;
    openTag.lastIndex = pos;
    const m = openTag.exec(text);
    if (!m) {
      const missing = TAG_NAMES.filter((t) => found[t] === undefined);
      const expecting = missing.length > 0 ? `; expected <${missing[0]}>` : '';
      return {
        ok: false,
        message: `text outside the tags: "${excerpt(text.slice(pos))}"${expecting}`,
      };
    }
    const name = m[1].toLowerCase() as TagName;
    if (found[name] !== undefined) return { ok: false, message: `<${name}> appears twice` };
    const contentStart = pos + m[0].length;
    const close = indexOfCI(text, `</${name}>`, contentStart);
    if (close < 0) return { ok: false, message: `<${name}> is never closed with </${name}>` };
    found[name] = text.slice(contentStart, close).trim();
    pos = close + name.length + 3;
  }

  const missing = TAG_NAMES.filter((t) => found[t] === undefined);
  if (missing.length > 0) {
    const list = missing.map((t) => `<${t}>`).join(', ');
    return { ok: false, message: `missing ${list} tag${missing.length > 1 ? 's' : ''}` };
  }
  const opinion = (found.opinion ?? '').toLowerCase();
  if (opinion !== 'correct' && opinion !== 'incorrect') {
    return {
      ok: false,
      message: `<opinion> must be "correct" or "incorrect", got "${excerpt(found.opinion ?? '', 30)}"`,
    };
  }
  if (!found.reason) return { ok: false, message: 'the <reason> tag is empty' };
  if (!found.phrase) return { ok: false, message: 'the <phrase> tag is empty' };
  return { ok: true, guidance: { opinion, reason: found.reason, phrase: found.phrase } };
}
