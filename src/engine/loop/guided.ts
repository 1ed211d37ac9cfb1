import type { Guidance } from '../../contract/teacher';
import type { Tokenizer } from '../tokenizer';
import type { TokenPart } from '../../contract/loopRecords';

export interface GuidedResponse {
  /** Response ids: student prefix (EOS removed) + "\n\n" + reason + "\n\n" + phrase + EOS. */
  ids: number[];
  /** Part of each id. */
  parts: TokenPart[];
  /** Index in `ids` where the teacher's tokens start (the first separator). */
  guidanceStart: number;
  text: string;
}

/**
 * Builds a guided trajectory (THINKTUNING.md step 5). The student's own ids are kept as sampled
 * (so their old log-probs stay on-policy); the guidance is tokenized piece by piece so every
 * teacher token's part, and the off-policy mask, line up exactly.
 */
export function buildGuidedResponse(
  tok: Tokenizer,
  studentIds: readonly number[],
  g: Guidance,
): GuidedResponse {
  const prefix =
    studentIds[studentIds.length - 1] === tok.eosId ? studentIds.slice(0, -1) : studentIds.slice();
  const ids: number[] = [...prefix];
  const parts: TokenPart[] = prefix.map(() => 'student');
  const push = (text: string, part: TokenPart) => {
    for (const id of tok.encode(text)) {
      ids.push(id);
      parts.push(part);
    }
  };
  const guidanceStart = ids.length;
  push('\n\n', 'separator');
  push(g.reason.trim(), 'reason');
  push('\n\n', 'separator');
  push(g.phrase.trim(), 'phrase');
  ids.push(tok.eosId);
  parts.push('eos');
  return { ids, parts, guidanceStart, text: tok.decode(ids, { skipSpecial: true }) };
}

/** Off-policy flags per response token: guidance only (slides) or the whole response (code). */
export function offPolicyFlags(g: GuidedResponse, scope: 'guidance' | 'whole-response'): boolean[] {
  return g.ids.map((_, i) => scope === 'whole-response' || i >= g.guidanceStart);
}
