/**
 * The lab's chat format.
 *
 * A conversation is `<|bos|>`, then per message `<|role|>` + content + `<|end|>` + "\n", e.g.
 *
 *     <|bos|><|system|>Be brief.<|end|>\n<|user|>2+3?<|end|>\n<|assistant|>
 *
 * There is no newline after a role marker (the marker is already one token), and one newline
 * after each `<|end|>` so decoded transcripts read one turn per line. With
 * `addGenerationPrompt` the text ends with `<|assistant|>` and the model writes the reply. In
 * training data the final reply is the completion text followed by `<|eos|>`
 * (see {@link formatCompletion}); earlier assistant turns in a history end with `<|end|>` like
 * every other message. Message content is not escaped: special-token strings inside it become
 * special ids when encoded.
 */
import {
  ASSISTANT_TOKEN,
  BOS_TOKEN,
  END_TOKEN,
  EOS_TOKEN,
  SYSTEM_TOKEN,
  USER_TOKEN,
} from './special-tokens';
import type { ChatMessage, ChatRole, Tokenizer } from './types';

/** The role-marker token for each chat role. */
export const ROLE_TOKENS: Readonly<Record<ChatRole, string>> = {
  system: SYSTEM_TOKEN,
  user: USER_TOKEN,
  assistant: ASSISTANT_TOKEN,
};

/** Text placed after each `<|end|>`. */
export const TURN_SEPARATOR = '\n';

/** Render messages in the chat format; with addGenerationPrompt, end with `<|assistant|>`. */
export function formatChat(
  messages: readonly ChatMessage[],
  { addGenerationPrompt }: { addGenerationPrompt: boolean },
): string {
  let text = BOS_TOKEN;
  for (const m of messages) {
    const marker = ROLE_TOKENS[m.role];
    if (marker === undefined) throw new Error(`unknown chat role ${JSON.stringify(m.role)}`);
    text += marker + m.content + END_TOKEN + TURN_SEPARATOR;
  }
  if (addGenerationPrompt) text += ASSISTANT_TOKEN;
  return text;
}

/** The training target after the generation prompt: the reply followed by `<|eos|>`. */
export function formatCompletion(reply: string): string {
  return reply + EOS_TOKEN;
}

/**
 * Token ids of the prompt (messages + generation prompt), ready for sampling a reply: the
 * tokenizer's own chat template when it has one (pretrained models), else the lab's format.
 */
export function encodePrompt(tok: Tokenizer, messages: readonly ChatMessage[]): number[] {
  const text = tok.applyChatTemplate
    ? tok.applyChatTemplate(messages, { addGenerationPrompt: true })
    : formatChat(messages, { addGenerationPrompt: true });
  return tok.encode(text);
}

/** Prompt ids and completion ids (reply + EOS) for one supervised or RL example. */
export function encodeChatExample(
  tok: Tokenizer,
  messages: readonly ChatMessage[],
  reply: string,
): { promptIds: number[]; completionIds: number[] } {
  return {
    promptIds: encodePrompt(tok, messages),
    // reply + EOS; a chat template's EOS (e.g. <|im_end|>) need not be the lab's <|eos|> text
    completionIds: tok.applyChatTemplate
      ? [...tok.encode(reply), tok.eosId]
      : tok.encode(formatCompletion(reply)),
  };
}

/** The id of a special token given its text (e.g. "<|end|>"); throws if it is not one token. */
export function specialTokenId(tok: Tokenizer, content: string): number {
  const ids = tok.encode(content);
  if (ids.length !== 1 || tok.tokenText(ids[0]) !== content) {
    throw new Error(`${JSON.stringify(content)} is not a single token in this tokenizer`);
  }
  return ids[0];
}

/** Ids at which sampling a reply should stop: `<|eos|>` and `<|end|>`. */
export function chatStopIds(tok: Tokenizer): number[] {
  return [tok.eosId, specialTokenId(tok, END_TOKEN)];
}
