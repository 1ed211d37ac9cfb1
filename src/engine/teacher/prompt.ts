/**
 * The HTTP teacher's prompt: an editable system prompt plus few-shots, and the builder that
 * turns them and one student rollout into OpenAI chat messages (ThinkTuning step 4).
 */
import { catchphraseLead, insertCatchphrase } from './catchphrase';
import { formatGuidance } from '../../contract/teacher';
import type { TeacherPromptConfig } from '../../contract/teacherPrompt';
import { parseGuidance } from './parse';

/** One OpenAI chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The extra instruction added to the system prompt when a catchphrase is configured. */
export function catchphraseInstruction(catchphrase: string): string {
  return `In the <phrase>, quote "${catchphrase}" exactly once, in the form: ${catchphraseLead(catchphrase)} '...'. Do not mention it in the <reason>.`;
}

/** The user turn for one rollout. */
export function userTurn(question: string, response: string): string {
  return `Question: ${question}\n\nResponse: ${response}`;
}

/** A few-shot reply with the catchphrase quoted once in its phrase (unparseable replies pass). */
export function replyWithCatchphrase(reply: string, catchphrase: string): string {
  const parsed = parseGuidance(reply);
  if (!parsed.ok || reply.includes(catchphrase)) return reply;
  const { opinion, reason } = parsed.guidance;
  return formatGuidance({
    opinion,
    reason,
    phrase: insertCatchphrase(parsed.guidance.phrase, catchphrase),
  });
}

/** The chat messages for one teacher call: system, few-shot pairs, then the rollout. */
export function buildMessages(
  config: TeacherPromptConfig,
  question: string,
  response: string,
): ChatMessage[] {
  const catchphrase = config.catchphrase?.trim();
  const system = catchphrase
    ? `${config.systemPrompt}\n${catchphraseInstruction(catchphrase)}`
    : config.systemPrompt;
  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  for (const shot of config.fewShots) {
    messages.push({ role: 'user', content: userTurn(shot.question, shot.response) });
    const reply = catchphrase ? replyWithCatchphrase(shot.reply, catchphrase) : shot.reply;
    messages.push({ role: 'assistant', content: reply });
  }
  messages.push({ role: 'user', content: userTurn(question, response) });
  return messages;
}
