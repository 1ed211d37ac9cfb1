import type { RunConfig } from '../contract/config';
import { createTeacher } from '../engine/loop/setup';
import {
  HttpTeacher,
  type Teacher,
  type TeacherRequest,
  type TeacherResult,
} from '../engine/teacher';
import { defaultPromptConfig, type TeacherPromptConfig } from '../contract/teacherPrompt';
import type { TeacherSettings } from './protocol';

/**
 * The teacher for a run's settings: the engine's `createTeacher` for the built-in one; the HTTP
 * teacher with the user's edited prompt (the catchphrase still comes from the reward section).
 */
export function teacherFromSettings(
  config: RunConfig,
  s: TeacherSettings,
  fetchImpl?: typeof fetch,
): Teacher {
  const c: RunConfig = { ...config, teacher: s.teacher };
  if (c.teacher.kind === 'builtin' || !s.prompt) return createTeacher(c, s.apiKey, fetchImpl);
  return httpTeacher(s, { seed: c.seed, catchphrase: c.reward.catchphrase }, fetchImpl);
}

/** An HTTP teacher for the settings (also used for "Test connection"). */
export function httpTeacher(
  s: TeacherSettings,
  run: { seed: number; catchphrase: string },
  fetchImpl?: typeof fetch,
): HttpTeacher {
  const t = s.teacher;
  const catchphrase = run.catchphrase || undefined;
  const prompt: TeacherPromptConfig = s.prompt
    ? { ...s.prompt, ...(catchphrase ? { catchphrase } : {}) }
    : defaultPromptConfig(catchphrase);
  return new HttpTeacher({
    baseURL: t.baseURL,
    model: t.model,
    apiKey: s.apiKey || undefined,
    temperature: t.temperature,
    maxTokens: t.maxTokens,
    timeoutMs: t.timeoutMs,
    retries: t.retries,
    concurrency: t.concurrency,
    logprobs: t.logprobs,
    prompt,
    seed: run.seed,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

/**
 * A teacher that forwards to a replaceable inner teacher, so the run's teacher can change while
 * the trainer (which holds this object) keeps running. It also tells the session when teacher
 * calls begin and when the last one settles: the "teacher" and "update" phases.
 */
export class SwitchableTeacher implements Teacher {
  private pendingCalls = 0;

  constructor(
    private inner: Teacher,
    private readonly onBusy: (busy: boolean) => void = () => {},
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get current(): Teacher {
    return this.inner;
  }

  replace(next: Teacher): void {
    if (this.inner instanceof HttpTeacher && this.inner !== next) this.inner.cancelAll();
    this.inner = next;
  }

  /** Cancels HTTP calls in flight (each resolves as a `cancelled` failure). */
  cancelAll(): void {
    if (this.inner instanceof HttpTeacher) this.inner.cancelAll();
  }

  async guide(req: TeacherRequest): Promise<TeacherResult> {
    if (this.pendingCalls++ === 0) this.onBusy(true);
    try {
      return await this.inner.guide(req);
    } finally {
      if (--this.pendingCalls === 0) this.onBusy(false);
    }
  }
}
