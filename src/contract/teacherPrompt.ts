/** The teacher prompt the user edits (system prompt and few-shots) and its defaults. Pure. */
import { DEFAULT_FEW_SHOTS, type FewShot } from './teacherFewShots';

/** Everything the user can edit about the teacher's prompt. */
export interface TeacherPromptConfig {
  systemPrompt: string;
  fewShots: FewShot[];
  /** When set, the few-shot replies quote it once ("This is what X would have said: '...'"). */
  catchphrase?: string;
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

/** A fresh copy of the default prompt configuration. */
export function defaultPromptConfig(catchphrase?: string): TeacherPromptConfig {
  const config: TeacherPromptConfig = {
    systemPrompt: DEFAULT_SYSTEM_PROMPT,
    fewShots: DEFAULT_FEW_SHOTS.map((shot) => ({ ...shot })),
  };
  if (catchphrase !== undefined) config.catchphrase = catchphrase;
  return config;
}
