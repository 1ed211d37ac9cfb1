/** Reading an HTTP body as text with a byte cap, and pulling the reply out of a completion. */
import type { TokenLogprob } from './types';

/** A body read with a cap. `oversized` is true when it went past the cap (text is partial). */
export interface CappedText {
  text: string;
  bytes: number;
  oversized: boolean;
}

/** Reads at most `maxBytes` of the body as UTF-8 text, cancelling the rest. */
export async function readTextCapped(res: Response, maxBytes: number): Promise<CappedText> {
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return { text: '', bytes: Number(declared), oversized: true };
  }
  if (!res.body) {
    const text = await res.text();
    const bytes = new TextEncoder().encode(text).byteLength;
    return { text, bytes, oversized: bytes > maxBytes };
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { text, bytes, oversized: true };
    }
    text += decoder.decode(value, { stream: true });
  }
  text += decoder.decode();
  return { text, bytes, oversized: false };
}

/** What a chat completion holds that the teacher needs. */
export interface CompletionReply {
  content: string;
  finishReason: string | null;
  logprobs?: TokenLogprob[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `choices[0].message.content` (and its log-probs) from a parsed completion. */
export function readCompletion(json: unknown): CompletionReply | { error: string } {
  if (!isRecord(json)) return { error: 'the reply is not a JSON object' };
  const choices = json.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    return { error: 'the reply has no choices (is this an OpenAI-compatible /chat/completions?)' };
  }
  const choice: unknown = choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) {
    return { error: 'the reply has no choices[0].message' };
  }
  const raw = choice.message.content;
  let content: string;
  if (typeof raw === 'string') content = raw;
  else if (Array.isArray(raw)) {
    content = raw
      .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
      .join('');
  } else return { error: 'the reply has no text in choices[0].message.content' };
  const finishReason = typeof choice.finish_reason === 'string' ? choice.finish_reason : null;
  const reply: CompletionReply = { content, finishReason };
  const lp = isRecord(choice.logprobs) ? choice.logprobs.content : undefined;
  if (Array.isArray(lp)) {
    const tokens: TokenLogprob[] = [];
    for (const entry of lp) {
      if (isRecord(entry) && typeof entry.token === 'string' && typeof entry.logprob === 'number') {
        tokens.push({ token: entry.token, logprob: entry.logprob });
      }
    }
    if (tokens.length > 0) reply.logprobs = tokens;
  }
  return reply;
}
