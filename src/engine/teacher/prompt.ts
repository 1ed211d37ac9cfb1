/**
 * The HTTP teacher's prompt: an editable system prompt plus few-shots, and the builder that
 * turns them and one student rollout into OpenAI chat messages (ThinkTuning step 4).
 */
import { catchphraseLead, insertCatchphrase } from './catchphrase';
import { DEFAULT_FEW_SHOTS } from '../../contract/teacherFewShots';
import type { FewShot } from '../../contract/teacherFewShots';
import { formatGuidance, parseGuidance } from './parse';

export type { FewShot } from '../../contract/teacherFewShots';

/** Everything the user can edit about the teacher's prompt. */
export interface TeacherPromptConfig {
  systemPrompt: string;
  fewShots: FewShot[];
  /** When set, the few-shot replies quote it once ("This is what X would have said: '...'"). */
  catchphrase?: string;
}

/** One OpenAI chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The default system prompt (a paraphrase of the reference teacher prompt). */
export const DEFAULT_SYSTEM_PROMPT = [
  'You are a teacher who models thoughtful reasoning aloud.',
  'You are given a question and a response written by a student. Write, in the first person as if you were the student reflecting on your own work:',
  '<opinion>correct</opinion> or <opinion>incorrect</opinion>: whether the response reaches the correct final answer.',
  '<reason>...</reason>: a first-person reflection on the reasoning, thinking aloud: what was right, where it falls short, what needs another look. Reflect in one of these ways: challenge the answer with a conflicting reading (self-conflict), name its weakness and improve it (self-critique), walk through it again and affirm what holds (self-agreement), or consult an imagined expert or teacher (self-consultancy).',
  '<phrase>...</phrase>: a first-person continuation that guides the reasoning to the correct solution, step by step, and ends with the final answer in \\boxed{} notation.',
  'Write nothing outside the three tags.',
].join('\n');

/** The extra instruction added to the system prompt when a catchphrase is configured. */
export function catchphraseInstruction(catchphrase: string): string {
  return `In the <phrase>, quote "${catchphrase}" exactly once, in the form: ${catchphraseLead(catchphrase)} '...'. Do not mention it in the <reason>.`;
}

/** A fresh copy of the default prompt configuration. */
export function defaultPromptConfig(catchphrase?: string): TeacherPromptConfig {
  const config: TeacherPromptConfig = {
    systemPrompt: DEFAULT_SYSTEM_PROMPT,
    fewShots: DEFAULT_FEW_SHOTS.map((shot) => ({ ...shot })),
  };
  if (catchphrase !== undefined) config.catchphrase = catchphrase;
  return config;
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
