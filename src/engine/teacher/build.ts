/**
 * The one place that builds a run's teacher from its config. The API key travels beside the
 * config, never inside it: a config is stored, exported and put in URLs, the key must not be.
 */
import type { RunConfig } from '../../contract/config';
import { BuiltinTeacher } from './builtin';
import { HttpTeacher } from './http';
import { defaultPromptConfig, type TeacherPromptConfig } from '../../contract/teacherPrompt';
import type { Teacher } from './types';

/** What a teacher needs besides the run's config; none of it is ever part of a config. */
export interface TeacherAccess {
  /** The HTTP teacher's API key (kept out of configs, URLs and exports). */
  apiKey?: string;
  /** The user's edited HTTP prompt (default: the default prompt); the run's catchphrase wins. */
  prompt?: TeacherPromptConfig;
  /** fetch to call the HTTP teacher with (tests, the Node CLI). */
  fetch?: typeof fetch;
}

/** The run settings an HTTP teacher takes from outside the teacher section. */
export interface TeacherRun {
  seed: number;
  catchphrase: string;
}

/** An HTTP teacher for a config's teacher section (also "Test connection"). */
export function buildHttpTeacher(
  t: RunConfig['teacher'],
  run: TeacherRun,
  access: TeacherAccess = {},
): HttpTeacher {
  const catchphrase = run.catchphrase || undefined;
  const prompt: TeacherPromptConfig = access.prompt
    ? { ...access.prompt, ...(catchphrase ? { catchphrase } : {}) }
    : defaultPromptConfig(catchphrase);
  return new HttpTeacher({
    baseURL: t.baseURL,
    model: t.model,
    apiKey: access.apiKey || undefined,
    temperature: t.temperature,
    maxTokens: t.maxTokens,
    timeoutMs: t.timeoutMs,
    retries: t.retries,
    concurrency: t.concurrency,
    logprobs: t.logprobs,
    prompt,
    seed: run.seed,
    ...(access.fetch ? { fetch: access.fetch } : {}),
  });
}

/** The teacher a run uses: the built-in one or the HTTP one, by `config.teacher.kind`. */
export function buildTeacher(c: RunConfig, access: TeacherAccess = {}): Teacher {
  const run: TeacherRun = { seed: c.seed, catchphrase: c.reward.catchphrase };
  if (c.teacher.kind === 'builtin')
    return new BuiltinTeacher({
      seed: c.seed,
      catchphrase: c.reward.catchphrase || undefined,
      concise: c.teacher.concise,
      walkthrough: c.teacher.walkthrough,
    });
  return buildHttpTeacher(c.teacher, run, access);
}
